import * as oidc from 'openid-client';
import { formsOf, type FormFields, type Page, type TestBrowser } from '../support/browser.ts';
import { loginUpstream } from '../support/portal.ts';
import type { DoubleUser, UpstreamDouble } from '../support/upstream-doubles/contract.ts';

// The relying party of the doubles' self-test, played with openid-client as the broker plays it: discovery from
// the double's discovery URL, PKCE, state and nonce, and the code exchange that validates the ID token.

/** Never contacted: the scripted browser stops at it, and form_post pages are read, not submitted. */
export const REDIRECT_URI = 'http://127.0.0.1:9/rp/callback';
export const CLIENT_ID = 'broker-test-client';

export const ALICE: DoubleUser = {
  sub: 'alice-0001',
  email: 'alice@example.net',
  name: 'Alice Example',
  password: 'alice-pw',
};
export const BOB: DoubleUser = { sub: 'bob-0002', email: 'bob@example.net', name: 'Bob Example', password: 'bob-pw' };

export interface Attempt {
  url: URL;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export function discover(double: UpstreamDouble, auth: oidc.ClientAuth): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(double.discoveryUrl), CLIENT_ID, { redirect_uris: [REDIRECT_URI] }, auth, {
    execute: [oidc.allowInsecureRequests],
  });
}

export async function authorizationRequest(
  config: oidc.Configuration,
  parameters: Record<string, string> = {},
): Promise<Attempt> {
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile',
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    ...parameters,
  });
  return { url, state, nonce, codeVerifier };
}

/** Opens the authorization URL: the double's login page, or the redirect to REDIRECT_URI when it answers silently. */
export function open(browser: TestBrowser, attempt: Attempt): Promise<Page> {
  return browser.navigate(attempt.url.href, {}, REDIRECT_URI);
}

/** Fills the login page as the broker's integration tests do (portal.ts `loginUpstream`). */
export function logIn(browser: TestBrowser, page: Page, user: DoubleUser): Promise<Page> {
  return loginUpstream(browser, page, user, REDIRECT_URI);
}

export function exchange(config: oidc.Configuration, callback: URL | Request, attempt: Attempt, maxAge?: number) {
  return oidc.authorizationCodeGrant(config, callback, {
    expectedState: attempt.state,
    expectedNonce: attempt.nonce,
    pkceCodeVerifier: attempt.codeVerifier,
    idTokenExpected: true,
    ...(maxAge !== undefined ? { maxAge } : {}),
  });
}

/** The form a form_post page submits to REDIRECT_URI. */
export function formPostTo(page: Page): FormFields {
  const form = formsOf(page.html).find((f) => f.action === REDIRECT_URI);
  if (!form) throw new Error(`no form posting to ${REDIRECT_URI} on ${page.url}:\n${page.html}`);
  return form;
}

/** What the browser would post, as the request the RP's callback receives. */
export function postedCallback(form: FormFields): Request {
  return new Request(form.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form.fields),
  });
}

/** A raw token request, for what openid-client would not send (wrong credentials). */
export async function tokenRequest(
  config: oidc.Configuration,
  form: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const endpoint = config.serverMetadata().token_endpoint!;
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as { error?: string } };
}
