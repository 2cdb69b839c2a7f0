import * as oidc from 'openid-client';
import { headingOf, TestBrowser } from '../support/browser.ts';
import { loginUpstream, signIn, TestPortal } from '../support/portal.ts';
import { demoUser, startStack, type Stack } from '../support/stack.ts';

// With one upstream, an authorization request goes straight to it once its discovery is at hand, instead of
// through /interaction/:uid; everything after the upstream login works as through the interaction page.

let stack: Stack;
let portal: TestPortal;

beforeAll(async () => {
  stack = await startStack();
  portal = await TestPortal.discover(stack);
  await stack.seedLinkedAccount(demoUser('alice'));
  // The first sign-in of a fresh broker goes through the interaction page, which discovers the upstream.
  await signIn(new TestBrowser(), portal, demoUser('alice'));
});
afterAll(() => stack.close());

/** The broker's answer to a portal's authorization request, not followed. */
async function authorize(browser: TestBrowser) {
  const attempt = await portal.authorizationRequest();
  const response = await browser.request(attempt.url.href);
  return { attempt, response, location: new URL(response.headers.get('location') ?? '', stack.brokerUrl) };
}

describe('a sign-in with one upstream', () => {
  it('goes from the authorization request straight to the upstream, and ends at the portal with tokens', async () => {
    const browser = new TestBrowser();
    const { attempt, response, location } = await authorize(browser);
    expect(response.status).toBe(303);
    expect(location.origin).toBe(new URL(stack.upstreamUrl).origin);
    expect(location.searchParams.get('redirect_uri')).toBe(`${stack.brokerUrl}/upstream/demo/callback`);
    const interactionCookie = response.headers.getSetCookie().find((c) => c.startsWith('_interaction='));
    expect(interactionCookie).toMatch(/;\s*path=\/interaction\/[\w-]+/i);

    const loginPage = await browser.navigate(location.href, {}, attempt.redirectUri);
    const callback = await loginUpstream(browser, loginPage, demoUser('alice'), attempt.redirectUri);
    const tokens = await portal.exchange(callback.url, attempt);
    expect(tokens.claims()?.sub).toEqual(expect.any(String));
  });

  it('still brings a person met for the first time to the association page (the interaction cookie keeps its path)', async () => {
    const browser = new TestBrowser();
    const { attempt, location } = await authorize(browser);
    expect(location.origin).toBe(new URL(stack.upstreamUrl).origin);
    const loginPage = await browser.navigate(location.href, {}, attempt.redirectUri);
    const page = await loginUpstream(browser, loginPage, demoUser('carol'), attempt.redirectUri);
    expect(page.status).toBe(200);
    expect(headingOf(page.html)).toBe('Associate your account');
  });

  it('refuses the upstream callback in a browser that did not start the login (the state cookie binds it)', async () => {
    const { attempt, location } = await authorize(new TestBrowser());
    const other = new TestBrowser();
    const loginPage = await other.navigate(location.href, {}, attempt.redirectUri);
    const page = await loginUpstream(other, loginPage, demoUser('alice'), attempt.redirectUri);
    expect(page.url.startsWith(attempt.redirectUri)).toBe(false);
    expect(page.status).toBeGreaterThanOrEqual(400);
  });
});

describe('an authorization code', () => {
  it('is used up by its first presentation: a wrong PKCE verifier spends it, and the grant is revoked on its next use', async () => {
    const { attempt, callback } = await signIn(new TestBrowser(), portal, demoUser('alice'));
    const wrongVerifier = { ...attempt, codeVerifier: oidc.randomPKCECodeVerifier() };
    await expect(portal.exchange(callback.url, wrongVerifier)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(portal.exchange(callback.url, attempt)).rejects.toMatchObject({
      error: 'invalid_grant',
      error_description: 'grant request is invalid',
    });
  });

  it('is used once: a second exchange with the right verifier is refused', async () => {
    const { attempt, callback } = await signIn(new TestBrowser(), portal, demoUser('alice'));
    const tokens = await portal.exchange(callback.url, attempt);
    expect(tokens.access_token).toEqual(expect.any(String));
    await expect(portal.exchange(callback.url, attempt)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The replay revoked the grant: the access token issued by the first exchange no longer works.
    const userinfo = await fetch(new URL('/me', stack.brokerUrl), {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(userinfo.status).toBe(401);
  });
});
