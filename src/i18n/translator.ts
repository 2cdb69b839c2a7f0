import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

export type Locale = string;
export type MessageParams = Readonly<Record<string, string | number | null | undefined>>;

export interface Translator {
  /** Supported locales, the default first. */
  readonly locales: readonly Locale[];
  readonly defaultLocale: Locale;
  /** The message for `key` in `locale` with `{name}` placeholders filled; throws on a missing key or parameter. */
  t(locale: Locale, key: string, params?: MessageParams): string;
  has(locale: Locale, key: string): boolean;
  keys(locale: Locale): string[];
}

type Catalogue = Record<string, string>;

function flatten(value: unknown, prefix = '', out: Catalogue = {}): Catalogue {
  if (typeof value === 'string') {
    out[prefix] = value;
    return out;
  }
  if (value === null || typeof value !== 'object')
    throw new Error(`catalogue entry ${prefix} is neither text nor a group`);
  for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, out);
  return out;
}

/**
 * Message catalogues: views/locales/<locale>.json, nested groups flattened to dotted keys. A missing key is an
 * error, not a fallback to English: a test renders every page in every locale, so a gap fails the build instead of
 * reaching a customer as a half-translated page.
 */
export function loadTranslator(localesDir: string, defaultLocale: Locale = 'en'): Translator {
  const catalogues = new Map<Locale, Catalogue>(
    readdirSync(localesDir)
      .filter((file) => file.endsWith('.json'))
      .map((file) => [basename(file, '.json'), flatten(JSON.parse(readFileSync(join(localesDir, file), 'utf8')))]),
  );
  if (!catalogues.has(defaultLocale)) throw new Error(`no catalogue for the default locale ${defaultLocale}`);
  const locales = [defaultLocale, ...[...catalogues.keys()].filter((l) => l !== defaultLocale).sort()];
  const catalogueOf = (locale: Locale): Catalogue =>
    catalogues.get(locale) ?? (catalogues.get(defaultLocale) as Catalogue);

  return {
    locales,
    defaultLocale,
    t(locale, key, params = {}) {
      const message = catalogueOf(locale)[key];
      if (message === undefined) throw new Error(`missing message "${key}" in locale ${locale}`);
      return message.replace(/\{(\w+)\}/g, (_match, name: string) => {
        const value = params[name];
        if (value === undefined || value === null) throw new Error(`message "${key}" needs the parameter {${name}}`);
        return String(value);
      });
    },
    has(locale, key) {
      return catalogueOf(locale)[key] !== undefined;
    },
    keys(locale) {
      return Object.keys(catalogueOf(locale));
    },
  };
}

/**
 * The locale for a request: the OIDC `ui_locales` parameter (space-separated, by preference) first, then the
 * browser's Accept-Language ranking, else the default. Only the primary subtag counts (`de-AT` → `de`).
 */
export function chooseLocale(
  supported: readonly Locale[],
  uiLocales: string | undefined,
  acceptLanguage: (available: string[]) => string | false,
): Locale {
  for (const tag of (uiLocales ?? '').split(/\s+/)) {
    const primary = tag.toLowerCase().split('-')[0];
    if (primary && supported.includes(primary)) return primary;
  }
  const accepted = acceptLanguage([...supported]);
  return accepted || (supported[0] as Locale);
}
