import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { registerTranslationHelper } from '../i18n/handlebars-helper.ts';
import type { Translator } from '../i18n/translator.ts';
import { z } from 'zod';
import { MAIL_TEMPLATES, type MailTemplate } from './mail-templates.ts';

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
  /** The Reply-To header: `data.replyToHeader`, when it is an address. */
  replyTo?: string;
}

const ADDRESS = z.email();

export interface MailRenderer {
  /**
   * Renders in `data.locale` (the language of the page the request came from; the default locale when unset).
   * Throws when the data lacks a value the template uses: a message with a hole in it is not sent.
   */
  render(template: MailTemplate, data: Record<string, unknown>): RenderedMail;
}

type Compiled = Record<'subject' | 'html' | 'text', Handlebars.TemplateDelegate>;

// C0 controls (line breaks included), DEL and the Unicode line and paragraph separators: matching them is the point.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f\u2028\u2029]/g;

/**
 * Values in the subject and the plain-text part are not escaped (there is no markup to escape for), so a value
 * such as an upstream display name must not be able to start a line of its own and pass it off as ours.
 */
function withoutControlCharacters(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => [
      key,
      typeof value === 'string' ? value.replace(CONTROL_CHARACTERS, ' ') : value,
    ]),
  );
}

/** A link is ours to build, but a `javascript:` or `data:` URL in an href must never reach a mail client. */
function checkLinks(template: MailTemplate, data: Record<string, unknown>): void {
  for (const field of ['link', 'notMeLink']) {
    if (!(field in data)) continue;
    let protocol: string | undefined;
    try {
      protocol = new URL(String(data[field])).protocol;
    } catch {
      protocol = undefined;
    }
    // The message names the field, never its value: the value is a one-time credential.
    if (protocol !== 'https:' && protocol !== 'http:')
      throw new Error(`${template}: data.${field} must be an http(s) URL`);
  }
}

/**
 * Mail templates, Kratos-style: views/mail/<template>/{subject,html,text}.hbs. All are compiled at creation so a
 * broken template stops the start-up instead of a delivery. Strict mode makes a missing value an error rather
 * than an empty space in a sentence.
 */
export function createMailRenderer(
  viewsDir: string,
  translator: Translator,
  shared: Record<string, unknown> = {},
): MailRenderer {
  const handlebars = Handlebars.create();
  registerTranslationHelper(handlebars, translator);
  const compile = (template: MailTemplate, part: keyof RenderedMail): Handlebars.TemplateDelegate => {
    const source = readFileSync(join(viewsDir, 'mail', template, `${part}.hbs`), 'utf8');
    // HTML escaping belongs to the HTML part only; `noEscape` keeps a stray {{ }} in text from producing `&amp;`.
    return handlebars.compile(source, { strict: true, noEscape: part !== 'html' });
  };
  const templates = new Map<MailTemplate, Compiled>(
    MAIL_TEMPLATES.map((name) => [
      name,
      { subject: compile(name, 'subject'), html: compile(name, 'html'), text: compile(name, 'text') },
    ]),
  );

  return {
    render(template, data) {
      const compiled = templates.get(template);
      if (!compiled) throw new Error(`no mail template named ${template}`);
      checkLinks(template, data);
      // A secret that may be gone: a notice retried by support after its first attempt failed lost its one-time
      // "This wasn't me" link with it (erased, never kept readable), and says to write to support instead.
      const localised = {
        notMeLink: null,
        ...shared,
        ...data,
        locale: typeof data.locale === 'string' ? data.locale : translator.defaultLocale,
      };
      const plain = withoutControlCharacters(localised);
      // A header value: anything but one well-formed address (a line break would start a header of its own) is dropped.
      const replyTo = typeof data.replyToHeader === 'string' && ADDRESS.safeParse(data.replyToHeader).success;
      return {
        ...(replyTo ? { replyTo: String(data.replyToHeader) } : {}),
        // A subject is one header line.
        subject: compiled.subject(plain).replace(/\s+/g, ' ').trim(),
        html: compiled.html(localised).trim(),
        text: `${compiled.text(plain).trim()}\n`,
      };
    },
  };
}
