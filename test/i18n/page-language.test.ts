import { TestBrowser, headingOf } from '../support/browser.ts';
import { TestPortal, signIn } from '../support/portal.ts';
import { demoUser, startStack, type Stack } from '../support/stack.ts';
import { recentOutbox } from '../support/records.ts';

const carol = demoUser('carol');
const REGISTERED = 'office@carol-and-co.example';

describe('the language of the pages and the e-mail', () => {
  let stack: Stack;
  let portal: TestPortal;

  beforeAll(async () => {
    stack = await startStack();
    portal = await TestPortal.discover(stack);
    await stack.seedAccount({ name: 'Carol & Co', email: REGISTERED, customerNumber: '100003' });
  });
  afterAll(() => stack.close());

  it('follows the portal’s ui_locales over the browser’s languages, in the pages and in the e-mail', async () => {
    const browser = new TestBrowser('en-GB,en;q=0.9');
    const { callback } = await signIn(browser, portal, carol, { ui_locales: 'de-CH en' });
    expect(callback.html).toContain('<html lang="de">');
    expect(headingOf(callback.html)).toBe('Konto zuordnen');
    expect(callback.html).toContain('Anmeldung bei CustomerSource');

    const thanks = await browser.submit(callback, '/associate', { email: REGISTERED });
    expect(headingOf(thanks.html)).toBe('Vielen Dank');

    const [message] = await recentOutbox(stack.db, 1);
    expect(message?.data.locale).toBe('de');
  });

  it('follows Accept-Language without ui_locales, and falls back to English', async () => {
    const german = await signIn(new TestBrowser('de-DE,de;q=0.9'), portal, carol);
    expect(headingOf(german.callback.html)).toBe('Konto zuordnen');
    const other = await signIn(new TestBrowser('fr-FR,fr;q=0.9'), portal, carol);
    expect(other.callback.html).toContain('<html lang="en">');
    expect(headingOf(other.callback.html)).toBe('Associate your account');
  });

  it('shows error pages in the browser’s language', async () => {
    const page = await new TestBrowser('de').navigate(`${stack.brokerUrl}/link?token=${'x'.repeat(43)}`);
    expect(page.status).toBe(404);
    expect(headingOf(page.html)).toBe('Dieser Link ist ungültig');
  });
});
