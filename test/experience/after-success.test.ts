import { TestBrowser, headingOf } from '../support/browser.ts';
import type { TestPortal } from '../support/portal.ts';
import { loginUpstream } from '../support/portal.ts';
import { demoUser, type Stack } from '../support/stack.ts';
import { startMailingStack, type MailingStack } from '../support/mailing-stack.ts';

const carol = demoUser('carol');
const REGISTERED = 'office@carol-and-co.example';

describe('"Your sign-in is associated" after the confirmation', () => {
  let stack: Stack;
  let portal: TestPortal;

  let mailing: MailingStack;

  beforeAll(async () => {
    mailing = await startMailingStack();
    ({ stack, portal } = mailing);
    await stack.seedAccount({ name: 'Carol & Co', email: REGISTERED, customerNumber: '100003' });
  });
  afterAll(() => mailing.close());

  it('is a page of its own: a reload (or the back button) shows it again instead of "This sign-in has expired"', async () => {
    const browser = new TestBrowser();
    const link = await mailing.requestLink(browser, carol, REGISTERED);

    const page = await browser.navigate(link);
    const upstreamLogin = await browser.submit(page, '/link/confirm');
    const success = await loginUpstream(browser, upstreamLogin, carol, portal.redirectUri);
    expect(headingOf(success.html)).toBe('Your sign-in is associated');
    expect(new URL(success.url).pathname).toBe('/link/linked');

    const reloaded = await browser.navigate(success.url);
    expect(reloaded.status).toBe(200);
    expect(headingOf(reloaded.html)).toBe('Your sign-in is associated');
    expect(reloaded.html).toContain('Carol &amp; Co');

    // Another browser never confirmed anything: it is told the link cannot be used, and shown nothing of Carol.
    const elsewhere = await new TestBrowser().navigate(success.url);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.html).not.toContain('Carol');
  });
});
