import { TestBrowser, formsOf, headingOf, textOf } from '../support/browser.ts';
import { TestPortal, signIn } from '../support/portal.ts';
import { demoUser, startStack, TEST_CLIENTS, type Stack } from '../support/stack.ts';

const bob = demoUser('bob');
const carol = demoUser('carol');

describe('a portal that requires a plan the account lacks', () => {
  let stack: Stack;
  let partner: TestPortal;

  beforeAll(async () => {
    stack = await startStack();
    partner = await TestPortal.discover(stack, TEST_CLIENTS[1]);
    await stack.seedLinkedAccount(bob, { plans: [] });
  });
  afterAll(() => stack.close());

  it('explains on a broker page which plan, for which account, and whom to ask; its button returns access_denied', async () => {
    const browser = new TestBrowser();
    const { callback: page } = await signIn(browser, partner, bob);
    // The person is still at the broker, reading why, rather than at the portal with a bare error.
    expect(page.url.startsWith(stack.brokerUrl)).toBe(true);
    expect(page.status).toBe(200);
    expect(headingOf(page.html)).toBe('PartnerSource needs a Support plan');
    expect(textOf(page.html, 'entitlement-account')).toMatch(
      /^You are signed in for the customer account Bob Example Ltd \(C-[0-9a-f]+\)\. It has no active Support plan, so you cannot use PartnerSource with it\.$/,
    );
    expect(textOf(page.html, 'entitlement-ask')).toBe(
      `To get access, ask the person who manages your company's contract with us, or write to ${stack.config.mail.support}.`,
    );
    expect(page.html).toContain('<header class="portal"><p>Sign in to PartnerSource</p></header>');

    const back = await browser.submit(page, '/abort', {}, partner.redirectUri);
    const params = new URL(back.url).searchParams;
    expect(back.url.startsWith(partner.redirectUri)).toBe(true);
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('code')).toBeNull();
  });

  it('refuses a silent request (prompt=none) with access_denied at once', async () => {
    const browser = new TestBrowser();
    await signIn(browser, partner, bob);
    const attempt = await partner.authorizationRequest({ prompt: 'none' });
    const answer = await browser.navigate(attempt.url.href, {}, attempt.redirectUri);
    expect(new URL(answer.url).searchParams.get('error')).toBe('access_denied');
    expect(new URL(answer.url).searchParams.get('code')).toBeNull();
  });

  it('says so on the association page before the person makes the effort', async () => {
    const { callback } = await signIn(new TestBrowser(), partner, carol);
    expect(headingOf(callback.html)).toBe('Associate your account');
    expect(textOf(callback.html, 'required-plan')).toBe(
      'This portal needs an active Support plan. If your customer account has none, you can still associate your sign-in, but you will not be able to use the portal until the plan is added.',
    );
    expect(formsOf(callback.html).some((f) => f.action.endsWith('/associate'))).toBe(true);
  });
});
