import { CHANGES_SHOWN } from '../../src/me/account-page-reads.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VIEWS_DIR } from '../../src/broker.ts';
import { BrokerError as BrokerErrorClass, type BrokerError } from '../../src/errors/broker-error.ts';
import { createViewRenderer } from '../../src/web/views.ts';
import { chooseLocale, loadTranslator, type Translator } from '../../src/i18n/translator.ts';
import { createMailRenderer } from '../../src/mail/mail-renderer.ts';
import { brokerTranslator } from '../support/config.ts';

const translator = brokerTranslator();
const SRC_DIR = join(VIEWS_DIR, '../src');

function templateFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? templateFiles(join(dir, entry.name))
      : entry.name.endsWith('.hbs')
        ? [join(dir, entry.name)]
        : [],
  );
}

function placeholders(message: string): string[] {
  return [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/**
 * Every error the broker can show, as the error handler would translate it: each concrete BrokerError exported
 * anywhere under src/ (found, not listed by hand, so a new one cannot be forgotten), built with sample values.
 * main.ts is left out: importing it starts the broker.
 */
async function everyBrokerError(): Promise<BrokerError[]> {
  const found = new Map<string, BrokerError>();
  for (const file of sourceFiles(SRC_DIR).filter((f) => !f.endsWith('/main.ts'))) {
    const exported = (await import(file)) as Record<string, unknown>;
    for (const value of Object.values(exported)) {
      if (typeof value !== 'function' || !(value.prototype instanceof BrokerErrorClass)) continue;
      const Class = value as new (...args: string[]) => BrokerError;
      try {
        const error = new Class(
          ...Array.from({ length: Class.length }, (_, i) => (i === 0 ? 'Demo ID' : 'help@example.com')),
        );
        found.set(Class.name, error);
      } catch {
        // An abstract base refuses construction; its subclasses are found on their own.
      }
    }
  }
  return [...found.values()];
}

let ERRORS: BrokerError[] = [];
/** Every change the person's page lists has its words. */
const CHANGE_TYPES = CHANGES_SHOWN;
beforeAll(async () => {
  ERRORS = await everyBrokerError();
});

describe('message catalogues', () => {
  it('offer English first and German', () => {
    expect(translator.locales).toEqual(['en', 'de']);
  });

  it('have the same keys in every language, with the same placeholders', () => {
    const catalogue = (locale: string) => {
      const flat: Record<string, string> = {};
      const walk = (node: unknown, prefix: string) => {
        if (typeof node === 'string') flat[prefix] = node;
        else for (const [k, v] of Object.entries(node as object)) walk(v, prefix ? `${prefix}.${k}` : k);
      };
      walk(JSON.parse(readFileSync(join(VIEWS_DIR, 'locales', `${locale}.json`), 'utf8')), '');
      return flat;
    };
    const english = catalogue('en');
    for (const locale of translator.locales) {
      const other = catalogue(locale);
      expect(Object.keys(other).sort()).toEqual(Object.keys(english).sort());
      const differing = Object.keys(english).filter(
        (key) => placeholders(english[key] ?? '').join() !== placeholders(other[key] ?? '').join(),
      );
      expect(differing).toEqual([]);
    }
  });

  it("hold every key a template names (the console's templates in views/admin, their own catalogues)", () => {
    const missing: string[] = [];
    const check = (files: string[], catalogues: Translator) => {
      for (const file of files) {
        for (const [, key = '', rest = ''] of readFileSync(file, 'utf8').matchAll(/\{\{t "([^"]+)"([^}]*)\}\}/g)) {
          // `{{t "console.status" status}}`: the key is completed by a value; some message must start with it.
          const completed = /^\s+[\w.@]+(\s|$)/.test(rest) && !/^\s+\w+=/.test(rest);
          for (const locale of catalogues.locales) {
            const known = completed
              ? catalogues.keys(locale).some((k) => k.startsWith(`${key}.`))
              : catalogues.has(locale, key);
            if (!known) missing.push(`${locale}: ${key} (${file})`);
          }
        }
      }
    };
    const isConsole = (file: string) => file.startsWith(join(VIEWS_DIR, 'admin'));
    check(
      templateFiles(VIEWS_DIR).filter((f) => !isConsole(f)),
      translator,
    );
    check(templateFiles(join(VIEWS_DIR, 'admin')), loadTranslator(join(VIEWS_DIR, 'admin/locales')));
    expect(missing).toEqual([]);
  });

  it('give the console the same keys in English and German', () => {
    const consoleTranslator = loadTranslator(join(VIEWS_DIR, 'admin/locales'));
    expect(consoleTranslator.locales).toEqual(['en', 'de']);
    expect(consoleTranslator.keys('de').sort()).toEqual(consoleTranslator.keys('en').sort());
  });

  it('know every error page the code defines (found in src/, not listed by hand)', () => {
    const names = ERRORS.map((e) => e.constructor.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'NotFound',
        'InteractionExpired',
        'LinkExpired',
        'ReauthenticationUnproven',
        'CsrfRejected',
      ]),
    );
    expect(names.length).toBeGreaterThanOrEqual(22);
  });

  it('hold the heading and message of every error page, in every language', () => {
    for (const locale of translator.locales) {
      for (const error of ERRORS) {
        expect(translator.t(locale, error.messageKey, error.params)).not.toMatch(/\{\w+\}/);
        if (error.titleKey) expect(translator.t(locale, error.titleKey, error.params)).toBeTruthy();
      }
    }
  });

  it('fail loudly on a missing key or parameter instead of showing a gap', () => {
    expect(() => translator.t('de', 'no.such.key')).toThrow('missing message "no.such.key" in locale de');
    expect(() => translator.t('en', 'associate.help')).toThrow('needs the parameter {support}');
  });
});

describe('pages and e-mails render in every language', () => {
  const views = createViewRenderer(VIEWS_DIR, translator);
  const mail = createMailRenderer(VIEWS_DIR, translator);
  const pageData: Record<string, Record<string, unknown>> = {
    'choose-upstream': {
      clientName: 'CustomerSource',
      upstreams: [{ id: 'demo', name: 'Demo ID' }],
      uid: 'u',
      csrfToken: 'c',
    },
    consent: { clientName: 'CustomerSource', scopeKeys: ['consent.scope.email'], uid: 'u', csrfToken: 'c' },
    logout: { clientName: 'CustomerSource', form: '<form id="op.logoutForm"></form>' },
    'logged-out': {},
    'upstream-unavailable': { upstreamName: 'Demo ID', message: 'm' },
    'upstream-denied': { title: 't', message: 'm' },
    'login-expired': { title: 't', message: 'm' },
    associate: {
      clientName: 'CustomerSource',
      support: 'help@example.com',
      emailError: true,
      requiredPlans: 'support',
      signInName: 'c***@example.net',
      upstreamName: 'Demo ID',
      uid: 'u',
      csrfToken: 'c',
    },
    'entitlement-missing': {
      clientName: 'PartnerSource',
      plans: 'support',
      accountName: 'Bob & Co',
      customerNumber: '100002',
      support: 'help@example.com',
      uid: 'u',
      csrfToken: 'c',
    },
    'association-sent': {
      clientName: 'CustomerSource',
      address: 'o***@example.com',
      lifetime: '1 hour',
      support: 'help@example.com',
      noticeKey: 'associationSent.notice.limit',
      uid: 'u',
      csrfToken: 'c',
    },
    'link-confirm': { upstreamName: 'Demo ID', token: 't', csrfToken: 'c' },
    'link-problem': { title: 't', message: 'm', startAgainUrl: 'http://x/' },
    'association-linked': { accountName: 'Carol & Co', upstreamName: 'Demo ID', continueUrl: '/x' },
    'link-cancelled': { support: 'help@example.com' },
    disown: {
      upstreamName: 'Demo ID',
      signInName: 'c***@example.net',
      accountName: 'Carol & Co (100003)',
      when: '1 December 2026',
      token: 't',
      csrfToken: 'c',
      portalHomeUrl: '/x',
      clientName: 'CustomerSource',
    },
    disowned: {
      upstreamName: 'Demo ID',
      signInName: '',
      accountName: 'Carol & Co (100003)',
      portalHomeUrl: '/x',
      clientName: 'CustomerSource',
    },
    error: { titleKey: 'error.titleClient', messageKey: 'error.portalRequest', detail: 'invalid_request' },
    'me-sign-in': { upstreams: [{ id: 'demo', name: 'Demo ID' }], csrfToken: 'c' },
    me: {
      doneKey: 'me.done.added',
      accounts: [
        {
          membershipId: 'm',
          accountName: 'Carol & Co',
          customerNumber: '100003',
          plans: [{ type: 'support', expiresAt: '2031-06-30T00:00:00.000Z', active: true }],
          since: '2026-12-01T00:00:00.000Z',
          contactEmail: 'office@carol.example',
          disabled: true,
        },
      ],
      signIns: [
        {
          identityId: 'i',
          upstreamName: 'Demo ID',
          email: 'carol@example.net',
          name: null,
          label: 'carol@example.net',
          firstUsed: '2026-12-01T00:00:00.000Z',
          lastUsed: '2026-12-02T00:00:00.000Z',
          current: true,
        },
      ],
      canRemove: true,
      upstreams: [{ id: 'demo', name: 'Demo ID' }],
      activity: {
        signIns: [{ at: '2026-12-02T00:00:00.000Z', upstreamName: 'Demo ID', portalName: 'CustomerSource' }],
        nextSignIns: 10,
        changes: CHANGE_TYPES.map((type) => ({
          at: '2026-12-02T00:00:00.000Z',
          typeKey: `me.change.${type.replaceAll('.', '_')}`,
          upstreamName: 'Demo ID',
          accountName: 'Carol & Co',
        })),
        nextChanges: 'n',
      },
      support: 'help@example.com',
      csrfToken: 'c',
    },
    'me-leave': {
      membershipId: 'm',
      accountName: 'Carol & Co',
      customerNumber: '100003',
      contactEmail: 'office@carol.example',
      lastMember: false,
      support: 'help@example.com',
      csrfToken: 'c',
    },
    'me-remove': {
      removing: { identityId: 'i', upstreamName: 'Demo ID', email: 'c@example.net' },
      kept: [{ identityId: 'k', upstreamName: 'Demo ID', email: null }],
      csrfToken: 'c',
    },
    'me-signed-out': { everywhere: true, frames: ['https://portal.example/logout?sid=s'] },
    'me-problem': { title: 't', message: 'm' },
  };

  it.each(translator.locales)('every page in %s, with lang set', (locale) => {
    for (const [page, data] of Object.entries(pageData)) {
      const html = views.render(page, { ...data, locale });
      expect(html).toContain(`<html lang="${locale}">`);
    }
    expect(views.render('associate', { ...pageData.associate, locale })).toContain(
      translator.t(locale, 'associate.heading'),
    );
  });

  it.each(translator.locales)('both e-mails in %s', (locale) => {
    const link = mail.render('association-link', {
      link: 'https://broker.example/link?token=t',
      upstreamName: 'Demo ID',
      signInName: 'carol@example.net',
      accountName: 'Carol & Co',
      expiresInMinutes: 60,
      support: 'help@example.com',
      locale,
    });
    expect(link.subject).toBe(translator.t(locale, 'mail.link.subject'));
    const linked = mail.render('association-linked', {
      upstreamName: 'Demo ID',
      signInName: 'carol@example.net',
      accountName: 'Carol & Co',
      customerNumber: '100003',
      support: 'help@example.com',
      notMeLink: 'https://broker.example/link/not-me?token=t',
      locale,
    });
    expect(linked.text).toContain(translator.t(locale, 'mail.linked.next'));
  });
});

describe('choosing the language', () => {
  const accept = (header: string) => (available: string[]) => {
    const wanted = header.split(',').map((part) => part.split(';')[0]?.trim().split('-')[0]);
    return wanted.find((tag) => tag && available.includes(tag)) ?? false;
  };

  it('takes the first supported ui_locales entry, then Accept-Language, then English', () => {
    expect(chooseLocale(['en', 'de'], 'fr-CA de-AT en', accept('en'))).toBe('de');
    expect(chooseLocale(['en', 'de'], undefined, accept('de-DE,de;q=0.9,en;q=0.5'))).toBe('de');
    expect(chooseLocale(['en', 'de'], 'fr', accept('it'))).toBe('en');
  });
});
