import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { decodeProtectedHeader, generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import { TestBrowser, headingOf, textOf } from '../support/browser.ts';
import {
  createAppleClientKey,
  signAppleClientSecret,
  type AppleClientKey,
} from '../support/upstream-doubles/apple-client-key.ts';
import { startAppleDouble, type AppleBehaviour } from '../support/upstream-doubles/apple.ts';
import { startGenericOidcDouble, type GenericBehaviour } from '../support/upstream-doubles/generic-oidc.ts';
import { startGoogleDouble, type GoogleBehaviour } from '../support/upstream-doubles/google.ts';
import {
  MICROSOFT_CONSUMER_TENANT,
  startMicrosoftDouble,
  type MicrosoftBehaviour,
} from '../support/upstream-doubles/microsoft.ts';
import type { UpstreamDouble } from '../support/upstream-doubles/contract.ts';
import {
  ALICE,
  BOB,
  CLIENT_ID,
  REDIRECT_URI,
  authorizationRequest,
  discover,
  exchange,
  formPostTo,
  logIn,
  open,
  postedCallback,
  tokenRequest,
} from './relying-party.ts';

const users = [ALICE, BOB];
/** Puts a double back to its documented behaviour after a test that changed it. */
const resetBehaviour = (behaviour: object) =>
  Object.keys(behaviour).forEach((key) => Reflect.deleteProperty(behaviour, key));
const secretOf = (double: UpstreamDouble) => String(double.upstreamConfig('x', 'X').clientSecret);

/** A whole code flow with a fresh login in `browser`; returns the tokens and the callback URL. */
async function signIn(config: oidc.Configuration, browser: TestBrowser, parameters: Record<string, string> = {}) {
  const attempt = await authorizationRequest(config, parameters);
  const callback = await logIn(browser, await open(browser, attempt), ALICE);
  const url = new URL(callback.url);
  return { url, tokens: await exchange(config, url, attempt) };
}

describe('Microsoft double (personal accounts, consumers authority)', () => {
  let double: UpstreamDouble<MicrosoftBehaviour>;
  let config: oidc.Configuration;

  beforeAll(async () => {
    double = await startMicrosoftDouble({ redirectUri: REDIRECT_URI, clientId: CLIENT_ID, users });
    config = await discover(double, oidc.ClientSecretBasic(secretOf(double)));
  });
  afterAll(() => double.close());
  afterEach(() => resetBehaviour(double.behaviour));

  it('names the consumer tenant as issuer, which is not the base of its discovery URL', () => {
    const origin = new URL(double.discoveryUrl).origin;
    expect(double.discoveryUrl).toBe(`${origin}/consumers/v2.0/.well-known/openid-configuration`);
    expect(double.issuer).toBe(`${origin}/${MICROSOFT_CONSUMER_TENANT}/v2.0`);
    expect(config.serverMetadata().issuer).toBe(double.issuer);
    expect(config.serverMetadata().authorization_endpoint).toBe(`${origin}/consumers/oauth2/v2.0/authorize`);
    expect(double.upstreamConfig('ms', 'Microsoft')).toMatchObject({
      type: 'microsoft',
      tenant: MICROSOFT_CONSUMER_TENANT,
      discoveryUrl: double.discoveryUrl,
    });
  });

  it('shows its login page on another origin, which sends the browser back to the first one for the code', async () => {
    const browser = new TestBrowser();
    const attempt = await authorizationRequest(config);
    const loginPage = await open(browser, attempt);
    expect(new URL(loginPage.url).origin).not.toBe(attempt.url.origin);
    expect(headingOf(loginPage.html)).toBe('Sign in to your Microsoft account');
    const callback = await logIn(browser, loginPage, ALICE);
    expect(callback.url.startsWith(REDIRECT_URI)).toBe(true);
    expect(double.authorizationRequests.at(-1)).toMatchObject({ client_id: CLIENT_ID, state: attempt.state });
  });

  it('signs RS256 ID tokens with tid, ver and oid, no auth_time, and email only for the email scope', async () => {
    const { tokens } = await signIn(config, new TestBrowser());
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('RS256');
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({
      iss: double.issuer,
      tid: MICROSOFT_CONSUMER_TENANT,
      ver: '2.0',
      email: ALICE.email,
      name: ALICE.name,
    });
    expect(claims.oid).toMatch(/^00000000-0000-0000-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(claims.auth_time).toBeUndefined();

    const withoutEmail = await signIn(config, new TestBrowser(), { scope: 'openid profile' });
    expect(withoutEmail.tokens.claims()).not.toHaveProperty('email');
    expect(withoutEmail.tokens.claims()).toMatchObject({ preferred_username: ALICE.email });
  });

  it('answers from its session without a login page, ignores max_age, and asks again with prompt=login', async () => {
    const browser = new TestBrowser();
    await signIn(config, browser);
    const signedIn = double.authentications.length;

    const silent = await open(browser, await authorizationRequest(config));
    expect(silent.url.startsWith(REDIRECT_URI)).toBe(true);
    const maxAgeZero = await open(browser, await authorizationRequest(config, { max_age: '0' }));
    expect(maxAgeZero.url.startsWith(REDIRECT_URI)).toBe(true);
    expect(double.authentications).toHaveLength(signedIn);

    const forced = await signIn(config, browser, { prompt: 'login' });
    expect(double.authentications).toHaveLength(signedIn + 1);
    expect(double.authentications.at(-1)?.params.prompt).toBe('login');
    expect(forced.tokens.claims()?.sub).toBe(ALICE.sub);
  });

  it('forces a login past max_age, with auth_time, only when told to behave like Entra work accounts', async () => {
    const browser = new TestBrowser();
    await signIn(config, browser);
    double.behaviour.honourMaxAge = true;
    double.behaviour.includeAuthTime = true;
    const page = await open(browser, await authorizationRequest(config, { max_age: '0' }));
    expect(page.url.startsWith(REDIRECT_URI)).toBe(false);
    expect(new URL(page.url).pathname).toBe('/login');
  });

  it('puts auth_time in when configured as an optional claim, and can sign for another tenant', async () => {
    double.behaviour.includeAuthTime = true;
    double.behaviour.tenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    const { tokens } = await signIn(config, new TestBrowser());
    expect(tokens.claims()).toMatchObject({
      auth_time: double.authentications.at(-1)?.at,
      tid: double.behaviour.tenantId,
    });
  });

  it('serves graph-like userinfo for the access token, and refuses a wrong client secret with invalid_client', async () => {
    const { tokens } = await signIn(config, new TestBrowser());
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, ALICE.sub);
    expect(userinfo).toMatchObject({ sub: ALICE.sub, name: ALICE.name, given_name: 'Alice', email: ALICE.email });

    const basic = `Basic ${Buffer.from(`${CLIENT_ID}:not-the-secret`).toString('base64')}`;
    const wrong = await tokenRequest(config, { grant_type: 'authorization_code', code: 'x' }, { authorization: basic });
    expect(wrong).toEqual({ status: 401, body: expect.objectContaining({ error: 'invalid_client' }) });
    const post = await tokenRequest(config, {
      grant_type: 'authorization_code',
      code: 'x',
      client_id: CLIENT_ID,
      client_secret: secretOf(double),
    });
    expect(post).toEqual({ status: 400, body: expect.objectContaining({ error: 'invalid_grant' }) });
  });
});

describe('Google double', () => {
  let double: UpstreamDouble<GoogleBehaviour>;
  let config: oidc.Configuration;

  beforeAll(async () => {
    double = await startGoogleDouble({ redirectUri: REDIRECT_URI, clientId: CLIENT_ID, users });
    config = await discover(double, oidc.ClientSecretPost(secretOf(double)));
  });
  afterAll(() => double.close());
  afterEach(() => resetBehaviour(double.behaviour));

  it('is its own issuer and signs RS256 ID tokens with a boolean email_verified, name, picture and no auth_time', async () => {
    expect(double.discoveryUrl).toBe(`${double.issuer}/.well-known/openid-configuration`);
    const { url, tokens } = await signIn(config, new TestBrowser());
    expect(url.searchParams.get('iss')).toBe(double.issuer);
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('RS256');
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({
      iss: double.issuer,
      azp: CLIENT_ID,
      email: ALICE.email,
      email_verified: true,
      name: ALICE.name,
    });
    expect(claims.picture).toMatch(/^https:\/\//);
    expect(claims.auth_time).toBeUndefined();
  });

  it('refuses prompt=login with its own error page instead of redirecting', async () => {
    const page = await open(new TestBrowser(), await authorizationRequest(config, { prompt: 'login' }));
    expect(page.status).toBe(400);
    expect(page.url.startsWith(REDIRECT_URI)).toBe(false);
    expect(textOf(page.html, 'message')).toBe('Invalid parameter value for prompt: Invalid prompt: login');
  });

  it('ignores max_age: answers from the session without auth_time, which an RP checking max_age refuses', async () => {
    const browser = new TestBrowser();
    await signIn(config, browser);
    const signedIn = double.authentications.length;
    const attempt = await authorizationRequest(config, { max_age: '0' });
    const callback = await open(browser, attempt);
    expect(callback.url.startsWith(REDIRECT_URI)).toBe(true);
    expect(double.authentications).toHaveLength(signedIn);
    await expect(exchange(config, new URL(callback.url), attempt, 0)).rejects.toMatchObject({
      cause: { message: 'JWT "auth_time" (authentication time) claim missing' },
    });
  });

  it('adds auth_time, the time of the real login, once "Session age claims" are enabled', async () => {
    double.behaviour.includeAuthTime = true;
    const browser = new TestBrowser();
    await signIn(config, browser);
    // select_account shows Google's account chooser, not a password form: the session answers.
    const attempt = await authorizationRequest(config, { prompt: 'select_account' });
    const callback = await open(browser, attempt);
    const claims = (await exchange(config, new URL(callback.url), attempt)).claims()!;
    expect(claims.auth_time).toBe(double.authentications.at(-1)?.at);
  });
});

describe('Apple double (Sign in with Apple REST API)', () => {
  let key: AppleClientKey;
  let double: UpstreamDouble<AppleBehaviour>;
  let config: oidc.Configuration;
  const appleScopes = { scope: 'openid name email', response_mode: 'form_post' };
  const secret = (input: Partial<Parameters<typeof signAppleClientSecret>[1]> = {}) =>
    signAppleClientSecret(key, { clientId: CLIENT_ID, audience: double.issuer, ...input });

  beforeAll(async () => {
    key = await createAppleClientKey();
    double = await startAppleDouble({ redirectUri: REDIRECT_URI, clientId: CLIENT_ID, users, clientKey: key });
    config = await discover(double, oidc.ClientSecretPost(await secret()));
  });
  afterAll(async () => {
    await double.close();
    await rm(dirname(key.privateKeyFile), { recursive: true, force: true });
  });

  it('answers by an auto-submitted form_post carrying `user` on the first authorization only', async () => {
    const browser = new TestBrowser();
    const attempt = await authorizationRequest(config, appleScopes);
    const answer = await logIn(browser, await open(browser, attempt), ALICE);
    const form = formPostTo(answer);
    expect(form.method).toBe('post');
    expect(JSON.parse(form.fields.user!)).toEqual({
      name: { firstName: 'Alice', lastName: 'Example' },
      email: ALICE.email,
    });
    const nonce = /script-src 'nonce-([^']+)'/.exec(answer.headers.get('content-security-policy') ?? '')?.[1];
    expect(answer.html).toContain(`<script nonce="${nonce}">`);
    expect(answer.html).toMatch(/<button type="submit">Continue<\/button>/);

    const claims = (await exchange(config, postedCallback(form), attempt)).claims()!;
    expect(claims).toMatchObject({
      iss: double.issuer,
      email: ALICE.email,
      email_verified: 'true',
      is_private_email: 'false',
      nonce_supported: true,
    });
    expect(claims.auth_time).toBe(double.authentications.at(-1)?.at);
    expect(claims).not.toHaveProperty('name');

    // Apple asks the person to sign in again even with its session, and sends no `user` the second time.
    const again = await authorizationRequest(config, appleScopes);
    const loginAgain = await open(browser, again);
    expect(headingOf(loginAgain.html)).toBe('Sign in with Apple');
    const second = formPostTo(await logIn(browser, loginAgain, ALICE));
    expect(second.fields).not.toHaveProperty('user');
    expect((await exchange(config, postedCallback(second), again)).claims()?.email_verified).toBe('true');
  });

  it('refuses name and email scopes without form_post, and posts user_cancelled_authorize on Cancel', async () => {
    const query = await open(new TestBrowser(), await authorizationRequest(config, { scope: 'openid email' }));
    expect(query.status).toBe(400);
    const browser = new TestBrowser();
    const attempt = await authorizationRequest(config, appleScopes);
    const cancelled = formPostTo(await browser.submit(await open(browser, attempt), '/cancel', {}, REDIRECT_URI));
    expect(cancelled.fields).toEqual({ error: 'user_cancelled_authorize', state: attempt.state });
  });

  it('publishes no userinfo endpoint and accepts client_secret_post only', () => {
    expect(config.serverMetadata().userinfo_endpoint).toBeUndefined();
    expect(config.serverMetadata().token_endpoint_auth_methods_supported).toEqual(['client_secret_post']);
  });

  const now = () => Math.floor(Date.now() / 1000);
  it.each<[string, () => Promise<string>]>([
    [
      'signed by another key',
      async () => secret({ signWith: { key: (await generateKeyPair('ES256')).privateKey, alg: 'ES256' } }),
    ],
    [
      'signed with another algorithm',
      async () => secret({ signWith: { key: new TextEncoder().encode('x'.repeat(32)), alg: 'HS256' } }),
    ],
    ['naming another key id', () => secret({ override: { kid: 'ABCDEFGHIJ' } })],
    ['issued by another team', () => secret({ override: { iss: 'ZZZZZZZZZZ' } })],
    ['for another client', () => secret({ override: { sub: 'com.example.other' } })],
    ['for the real Apple audience', () => secret({ override: { aud: 'https://appleid.apple.com' } })],
    ['expired', () => secret({ override: { iat: now() - 7200, exp: now() - 60 } })],
    ['valid for more than six months', () => secret({ lifetimeSeconds: 15_777_001 })],
  ])('refuses a client secret %s with invalid_client', async (_, make) => {
    const form = {
      grant_type: 'authorization_code',
      code: 'unknown',
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
    };
    // The same request with a good secret gets past client authentication: the refusal is the secret's.
    expect(await tokenRequest(config, { ...form, client_secret: await secret() })).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect(await tokenRequest(config, { ...form, client_secret: await make() })).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });
  });
});

describe('generic OIDC double behind an aliased discovery URL', () => {
  let double: UpstreamDouble<GenericBehaviour>;
  let config: oidc.Configuration;
  let clockOffset = 0;

  beforeAll(async () => {
    double = await startGenericOidcDouble({
      redirectUri: REDIRECT_URI,
      clientId: CLIENT_ID,
      users,
      now: () => Date.now() + clockOffset,
    });
    config = await discover(double, oidc.ClientSecretBasic(secretOf(double)));
  });
  afterAll(() => double.close());
  afterEach(() => {
    clockOffset = 0;
    resetBehaviour(double.behaviour);
  });

  it('serves discovery at an alias that names another issuer, and not under the issuer', async () => {
    const origin = new URL(double.issuer).origin;
    expect(double.discoveryUrl).toBe(`${origin}/tenants/acme/.well-known/openid-configuration`);
    expect(double.issuer).toBe(`${origin}/realms/acme`);
    expect(config.serverMetadata().issuer).toBe(double.issuer);
    expect((await fetch(`${double.issuer}/.well-known/openid-configuration`)).status).toBe(404);
    double.behaviour.discoveryDown = true;
    expect((await fetch(double.discoveryUrl)).status).toBe(503);
  });

  it('signs ES256 ID tokens with email, name and auth_time', async () => {
    const { tokens } = await signIn(config, new TestBrowser());
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('ES256');
    expect(tokens.claims()).toMatchObject({
      iss: double.issuer,
      email: ALICE.email,
      name: ALICE.name,
      auth_time: double.authentications.at(-1)?.at,
    });
  });

  it('honours max_age and prompt=login, and keeps auth_time at the real login when it answers from the session', async () => {
    const browser = new TestBrowser();
    clockOffset = -120_000;
    await signIn(config, browser);
    const firstLogin = double.authentications.at(-1)!.at;
    clockOffset = 0;

    const recent = await authorizationRequest(config, { max_age: '3600' });
    const silent = await open(browser, recent);
    expect(silent.url.startsWith(REDIRECT_URI)).toBe(true);
    const claims = (await exchange(config, new URL(silent.url), recent, 3600)).claims()!;
    expect(claims.auth_time).toBe(firstLogin);
    expect(claims.iat).toBeGreaterThanOrEqual(firstLogin + 120);

    expect(headingOf((await open(browser, await authorizationRequest(config, { max_age: '60' }))).html)).toBe(
      'Sign in to acme',
    );
    expect(headingOf((await open(browser, await authorizationRequest(config, { prompt: 'login' }))).html)).toBe(
      'Sign in to acme',
    );
  });

  it('signs with another issuer when told to, which the RP refuses', async () => {
    double.behaviour.idTokenIssuer = 'https://evil.example';
    await expect(signIn(config, new TestBrowser())).rejects.toMatchObject({
      cause: { message: 'unexpected JWT "iss" (issuer) claim value' },
    });
  });

  it('keeps email and name out of a thin ID token but gives them at userinfo', async () => {
    double.behaviour.thinIdToken = true;
    const { tokens } = await signIn(config, new TestBrowser());
    expect(tokens.claims()).not.toHaveProperty('email');
    expect(await oidc.fetchUserInfo(config, tokens.access_token, ALICE.sub)).toMatchObject({
      email: ALICE.email,
      name: ALICE.name,
    });
  });

  it('takes a code once, with its PKCE verifier only', async () => {
    const browser = new TestBrowser();
    const attempt = await authorizationRequest(config);
    const callback = new URL((await logIn(browser, await open(browser, attempt), ALICE)).url);
    const wrongVerifier = { ...attempt, codeVerifier: oidc.randomPKCECodeVerifier() };
    await expect(exchange(config, callback, wrongVerifier)).rejects.toMatchObject({
      error: 'invalid_grant',
      error_description: 'PKCE verification failed',
    });
    const next = await authorizationRequest(config);
    const nextCallback = new URL((await open(browser, next)).url);
    await exchange(config, nextCallback, next);
    await expect(exchange(config, nextCallback, next)).rejects.toMatchObject({
      error: 'invalid_grant',
      error_description: 'unknown, used or expired code',
    });
  });

  it('sends access_denied with the state when the person cancels', async () => {
    const browser = new TestBrowser();
    const attempt = await authorizationRequest(config);
    const cancelled = await browser.submit(await open(browser, attempt), '/cancel', {}, REDIRECT_URI);
    const params = new URL(cancelled.url).searchParams;
    expect([params.get('error'), params.get('state')]).toEqual(['access_denied', attempt.state]);
  });
});
