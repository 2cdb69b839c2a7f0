import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { VIEWS_DIR } from '../../src/broker.ts';
import { ConfigError, parseConfig } from '../../src/config/index.ts';
import { contrastWithWhite } from '../../src/config/schema.ts';
import { createViewRenderer } from '../../src/web/views.ts';
import { createMailRenderer } from '../../src/mail/mail-renderer.ts';
import { textContent } from '../support/browser.ts';
import { brokerTranslator } from '../support/config.ts';
import { demoBranding } from '../parties/demo-branding.ts';

const BRAND = {
  companyName: 'Contoso Software',
  logoUrl: 'https://www.example.com/logo.svg',
  primaryColor: '#1a5e9a',
  supportUrl: 'https://www.example.com/support',
  privacyUrl: 'https://www.example.com/privacy',
  imprintUrl: 'https://www.example.com/imprint',
};

function demoDocument(): Record<string, unknown> {
  return parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, unknown>;
}

function problemsWith(branding: unknown): readonly string[] {
  try {
    parseConfig({ ...demoDocument(), branding }, {});
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('branding in the configuration', () => {
  it('is taken from the demo configuration, colour and links included', () => {
    const config = parseConfig(demoDocument(), {});
    expect(config.branding).toMatchObject({ companyName: 'Contoso Software', primaryColor: '#1a5e9a' });
  });

  it("is the brand the browser tests show (test/parties/demo-branding.ts), the logo served by the demo's CustomerSource", () => {
    expect(parseConfig(demoDocument(), {}).branding).toEqual(demoBranding('http://localhost:3002'));
  });

  it('refuses a primary colour that white button text cannot be read on, naming the key and the ratio', () => {
    expect(problemsWith({ ...BRAND, primaryColor: '#ffcc00' })).toEqual([
      expect.stringMatching(/branding\.primaryColor.*1\.51:1 with white; at least 4\.5:1 is needed/),
    ]);
    expect(problemsWith({ ...BRAND, primaryColor: 'blue' })).toEqual([
      expect.stringMatching(/branding\.primaryColor.*#0b5cad/),
    ]);
    expect(problemsWith({ ...BRAND, privacyUrl: 'http://www.example.com/privacy' })).toEqual([
      expect.stringMatching(/branding\.privacyUrl.*https/),
    ]);
    expect(problemsWith(BRAND)).toEqual([]);
  });

  it('measures contrast as WCAG does', () => {
    expect(contrastWithWhite('#000000')).toBeCloseTo(21, 5);
    expect(contrastWithWhite('#ffffff')).toBeCloseTo(1, 5);
    expect(contrastWithWhite('#767676')).toBeGreaterThan(4.5);
  });
});

describe('branding on pages and e-mails', () => {
  const translator = brokerTranslator();
  const views = createViewRenderer(VIEWS_DIR, translator);
  const mail = createMailRenderer(VIEWS_DIR, translator);

  it.each(['en', 'de'])(
    'shows the logo and the footer links on a page (%s), and nothing of the brand without one',
    (locale) => {
      const html = views.render('logged-out', { locale, branding: BRAND });
      expect(html).toContain('<img class="brand-logo" src="https://www.example.com/logo.svg" alt="Contoso Software">');
      for (const key of ['support', 'privacy', 'imprint'] as const) {
        expect(html).toContain(`<a href="${BRAND[`${key}Url`]}">${translator.t(locale, `layout.${key}`)}</a>`);
      }
      expect(textContent(html)).toContain(
        translator.t(locale, 'layout.operatedBy', { companyName: 'Contoso Software' }),
      );
      const plain = views.render('logged-out', { locale });
      expect(plain).not.toContain('brand');
    },
  );

  it('names the company and links the footer in both e-mails, the button in the brand colour', () => {
    const link = mail.render('association-link', {
      link: 'https://broker.example/link?token=t',
      upstreamName: 'Demo ID',
      signInName: 'c***@example.net',
      accountName: 'Carol & Co',
      expiresInMinutes: 60,
      support: 'help@example.com',
      locale: 'en',
      branding: BRAND,
    });
    expect(link.html).toContain('background: #1a5e9a; color: #ffffff;');
    expect(link.text).toContain("Sent by Contoso Software's sign-in service.");
    expect(link.text).toContain('Privacy: https://www.example.com/privacy');
    const linked = mail.render('association-linked', {
      upstreamName: 'Demo ID',
      signInName: 'c***@example.net',
      accountName: 'Carol & Co',
      customerNumber: '100003',
      support: 'help@example.com',
      notMeLink: 'https://broker.example/link/not-me?token=t',
      locale: 'de',
      branding: BRAND,
    });
    expect(linked.html).toContain('<a href="https://www.example.com/imprint" style="color: #1a5e9a;">Impressum</a>');
    expect(linked.text).toContain('Gesendet vom Anmeldedienst von Contoso Software.');
  });
});
