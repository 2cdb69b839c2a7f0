import { TestBrowser, headingOf, textOf } from '../support/browser.ts';
import { TestPortal, loginUpstream, signIn } from '../support/portal.ts';
import { demoUser, startStack, type Stack } from '../support/stack.ts';

const alice = demoUser('alice');
const carol = demoUser('carol');

describe('the association page says who is signing in', () => {
  let stack: Stack;
  let portal: TestPortal;

  beforeAll(async () => {
    stack = await startStack();
    portal = await TestPortal.discover(stack);
  });
  afterAll(() => stack.close());

  it('names the sign-in by its masked address; the full one only as the prefilled reply address for support', async () => {
    const { callback } = await signIn(new TestBrowser(), portal, carol);
    expect(headingOf(callback.html)).toBe('Associate your account');
    expect(textOf(callback.html, 'signed-in-as')).toBe('You signed in as “c***@example.net” at Demo ID.');
    // The full address is only where the person is asked where support should answer (prefilled, theirs to change).
    const replyField = new RegExp(`<input[^>]*name="replyTo"[^>]*value="${carol.email.replace(/\./g, '\\.')}"[^>]*>`);
    expect(callback.html).toMatch(replyField);
    expect(callback.html.replace(replyField, '')).not.toContain(carol.email);
  });

  it('"Not you? Use another sign-in" asks the upstream for a fresh login and shows the new sign-in', async () => {
    const browser = new TestBrowser();
    const { attempt, callback } = await signIn(browser, portal, carol);
    const atUpstream = await browser.submit(callback, '/another-sign-in', {}, stack.upstreamUrl);
    const upstream = new URL(atUpstream.url);
    expect(upstream.origin).toBe(new URL(stack.upstreamUrl).origin);
    // A fresh login: Demo ID's own session must not hand back Carol again.
    expect(upstream.searchParams.get('prompt')).toBe('login');
    const loginPage = await browser.navigate(upstream.href);
    const switching = await loginUpstream(browser, loginPage, alice, attempt.redirectUri);
    // Demo ID (oidc-provider) ends Carol's session there before Alice's: a form its page submits by script.
    const associate = await browser.submit(switching, '/session/end/confirm', {}, attempt.redirectUri);
    expect(headingOf(associate.html)).toBe('Associate your account');
    expect(textOf(associate.html, 'signed-in-as')).toBe('You signed in as “a***@example.net” at Demo ID.');
  });
});
