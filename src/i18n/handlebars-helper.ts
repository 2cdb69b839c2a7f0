import type Handlebars from 'handlebars';
import type { Translator } from './translator.ts';

/**
 * Registers `{{t "key" name=value}}` for pages and e-mails alike: the message in the `locale` of the root data
 * (the page's or the e-mail's language). Parameters come from the hash; the result is escaped like any other value
 * where the template escapes. Several parts are joined with dots, so a value can pick its message
 * (`{{t "console.status" status}}` is `console.status.active`); a value outside the catalogue is an error.
 */
export function registerTranslationHelper(handlebars: typeof Handlebars, translator: Translator): void {
  handlebars.registerHelper('t', function translate(...args: unknown[]) {
    const options = args.pop() as Handlebars.HelperOptions;
    const root = (options.data as { root?: { locale?: string } } | undefined)?.root;
    return translator.t(root?.locale ?? translator.defaultLocale, args.map(String).join('.'), options.hash as Record<string, string>);
  });
}
