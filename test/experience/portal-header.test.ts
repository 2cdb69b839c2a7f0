import { VIEWS_DIR } from '../../src/broker.ts';
import { createViewRenderer } from '../../src/web/views.ts';
import { brokerTranslator } from '../support/config.ts';
import { TestBrowser, headingOf } from '../support/browser.ts';
import { TestPortal, signIn } from '../support/portal.ts';
import { demoUser, startStack, TEST_CLIENTS, type Stack } from '../support/stack.ts';

const header = (html: string) => /<header class="portal"><p>([^<]*)<\/p><\/header>/.exec(html)?.[1];

describe('the portal header says what the page is part of', () => {
  const views = createViewRenderer(VIEWS_DIR, brokerTranslator());

  it.each([
    ['en', 'Sign in to CustomerSource'],
    ['de', 'Anmeldung bei CustomerSource'],
  ])('reads "sign in to" on the pages of a sign-in only (%s)', (locale, signIn) => {
    const data = { locale, clientName: 'CustomerSource', csrfToken: 'c' };
    expect(header(views.render('consent', { ...data, uid: 'u', scopeKeys: [] }))).toBe(signIn);
    expect(header(views.render('logout', { ...data, form: '<form></form>' }))).toBe('CustomerSource');
    expect(header(views.render('logged-out', data))).toBe('CustomerSource');
  });

  describe('in a real sign-out', () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack();
      await stack.seedLinkedAccount(demoUser('alice'));
    });
    afterAll(() => stack.close());

    it('does not ask "sign out?" under "Sign in to CustomerSource"', async () => {
      const portal = await TestPortal.discover(stack);
      const browser = new TestBrowser();
      await signIn(browser, portal, demoUser('alice'));
      const end = new URL(`${stack.brokerUrl}/session/end`);
      end.searchParams.set('client_id', TEST_CLIENTS[0].clientId);
      const confirm = await browser.navigate(end.href);
      expect(headingOf(confirm.html)).toBeTruthy();
      expect(header(confirm.html)).toBe('CustomerSource');
    });
  });
});
