import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import { registerDateTimeHelper, registerTranslationHelper } from '../i18n/handlebars-helper.ts';
import type { Translator } from '../i18n/translator.ts';

export interface ViewRenderer {
  /**
   * Renders views/pages/{page}.hbs inside views/layouts/main.hbs in `data.locale`. Values are HTML-escaped by
   * Handlebars; text comes from the message catalogues through the `t` helper.
   */
  render(page: string, data: { locale: string } & Record<string, unknown>): string;
  readonly translator: Translator;
}

function templatesIn(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir)
      .filter((file) => file.endsWith('.hbs'))
      .map((file) => [basename(file, '.hbs'), readFileSync(join(dir, file), 'utf8')]),
  );
}

/** Compiles every page once at start-up: a template error stops the process instead of failing a request. */
/**
 * Every page gets `shared` (the company's branding) under what the page itself passes.
 */
export function createViewRenderer(
  viewsDir: string,
  translator: Translator,
  shared: Record<string, unknown> = {},
): ViewRenderer {
  const handlebars = Handlebars.create();
  registerTranslationHelper(handlebars, translator);
  registerDateTimeHelper(handlebars);
  for (const [name, source] of templatesIn(join(viewsDir, 'partials'))) handlebars.registerPartial(name, source);
  const layout = handlebars.compile(readFileSync(join(viewsDir, 'layouts/main.hbs'), 'utf8'));
  const pages = new Map(
    [...templatesIn(join(viewsDir, 'pages'))].map(([name, source]) => [name, handlebars.compile(source)] as const),
  );
  return {
    translator,
    render(page, data) {
      const template = pages.get(page);
      if (!template) throw new Error(`no view named ${page}`);
      const context = { ...shared, ...data };
      const body = template(context);
      return layout({ ...context, body: new Handlebars.SafeString(body) });
    },
  };
}
