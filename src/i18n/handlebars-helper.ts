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
    return translator.t(
      root?.locale ?? translator.defaultLocale,
      args.map(String).join('.'),
      options.hash as Record<string, string>,
    );
  });
}

/**
 * Registers `{{datetime value}}`: a time (a Date or ISO text) as the page's language writes it, in UTC and saying so (staff in
 * several time zones read the same records). Anything that is not a time is shown as it is.
 */
export function registerDateTimeHelper(handlebars: typeof Handlebars): void {
  const formats = new Map<string, Intl.DateTimeFormat>();
  handlebars.registerHelper('datetime', function datetime(value: unknown, options: Handlebars.HelperOptions) {
    const at = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
    if (!at || Number.isNaN(at.getTime())) return value;
    const locale = (options.data as { root?: { locale?: string } } | undefined)?.root?.locale ?? 'en';
    let format = formats.get(locale);
    if (!format) {
      format = new Intl.DateTimeFormat(locale, {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: 'numeric',
        minute: '2-digit',
        timeZone: 'UTC',
        timeZoneName: 'short',
      });
      formats.set(locale, format);
    }
    return format.format(at);
  });
}
