import * as oidc from 'openid-client';
import { get as httpGet } from 'node:http';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { identityModel } from '../../src/accounts/identity-model.ts';
import { createBroker } from '../../src/broker.ts';
import { TestBrowser, headingOf } from '../support/browser.ts';
import { TestPortal, signIn, loginUpstream } from '../support/portal.ts';
import { demoUser, startStack, TEST_CLIENTS, type Stack } from '../support/stack.ts';
import { silentLogger } from '../support/stores.ts';

const alice = demoUser('alice');
const bob = demoUser('bob');
const carol = demoUser('carol');
const inAYear = new Date(Date.now() + 365 * 86_400_000);

describe('a linked customer signs into a portal', () => {
  let stack: Stack;
  let portal: TestPortal;
  let aliceAccount: string;

  beforeAll(async () => {
    stack = await startStack();
    portal = await TestPortal.discover(stack);
    aliceAccount = await stack.seedLinkedAccount(alice, {
      email: 'Accounts@Alice-Corp.example',
      plans: [
        { type: 'support', expiresAt: inAYear },
        { type: 'enhancement', expiresAt: new Date(Date.now() - 86_400_000) },
      ],
    });
    await stack.seedLinkedAccount(bob, { plans: [] });
  });
  afterAll(() => stack.close());

  it('publishes discovery with PKCE S256, the customer scope and iss in authorization responses', () => {
    const metadata = portal.configuration.serverMetadata();
    expect(metadata.issuer).toBe(stack.brokerUrl);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid', 'email', 'profile', 'customer']));
    expect(metadata.claims_supported).toEqual(expect.arrayContaining(['customer_number', 'plans', 'email']));
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    expect(metadata.response_types_supported).toEqual(['code']);
  });

  it('ends in an ID token whose claims come from the linked customer account', async () => {
    const browser = new TestBrowser();
    const { attempt, callback } = await signIn(browser, portal, alice);
    expect(new URL(callback.url).searchParams.get('iss')).toBe(stack.brokerUrl);

    const tokens = await portal.exchange(callback.url, attempt);
    expect(tokens.claims()).toMatchObject({
      iss: stack.brokerUrl,
      sub: aliceAccount,
      email: 'accounts@alice-corp.example',
      email_verified: true,
      name: 'Alice Example Ltd',
      plans: ['support'],
    });
    expect(tokens.claims()?.customer_number).toMatch(/^C-/);
    const userinfo = await oidc.fetchUserInfo(portal.configuration, tokens.access_token, aliceAccount);
    expect(userinfo).toMatchObject({ sub: aliceAccount, email: 'accounts@alice-corp.example', plans: ['support'] });

    const identity = await identityModel(stack.db).findOne({ subject: alice.sub }).lean();
    expect(identity?.lastLoginAt).toBeInstanceOf(Date);
  });

  it('rejects an authorization code used twice', async () => {
    const { attempt, callback } = await signIn(new TestBrowser(), portal, alice);
    await portal.exchange(callback.url, attempt);
    await expect(portal.exchange(callback.url, attempt)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a redirect_uri that is not registered, on a page of its own and without redirecting', async () => {
    const attempt = await portal.authorizationRequest({ redirect_uri: 'http://127.0.0.1:9/evil/callback' });
    const page = await new TestBrowser().navigate(attempt.url.href);
    expect(page.status).toBe(400);
    expect(page.url).toBe(attempt.url.href);
    expect(page.html).toContain('redirect_uri');
  });

  it('requires PKCE', async () => {
    const attempt = await portal.authorizationRequest();
    attempt.url.searchParams.delete('code_challenge');
    attempt.url.searchParams.delete('code_challenge_method');
    const response = await new TestBrowser().request(attempt.url.href);
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('rotates refresh tokens: the old one fails once used', async () => {
    const { attempt, callback } = await signIn(new TestBrowser(), portal, alice, {
      scope: 'openid email customer offline_access',
      prompt: 'consent',
    });
    const tokens = await portal.exchange(callback.url, attempt);
    const first = tokens.refresh_token;
    expect(first).toBeDefined();
    const refreshed = await oidc.refreshTokenGrant(portal.configuration, first ?? '');
    expect(refreshed.refresh_token).toBeDefined();
    expect(refreshed.refresh_token).not.toBe(first);
    await expect(oidc.refreshTokenGrant(portal.configuration, first ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('revokes an access token', async () => {
    const { attempt, callback } = await signIn(new TestBrowser(), portal, alice);
    const tokens = await portal.exchange(callback.url, attempt);
    expect((await oidc.tokenIntrospection(portal.configuration, tokens.access_token)).active).toBe(true);
    await oidc.tokenRevocation(portal.configuration, tokens.access_token);
    expect((await oidc.tokenIntrospection(portal.configuration, tokens.access_token)).active).toBe(false);
    await expect(oidc.fetchUserInfo(portal.configuration, tokens.access_token, aliceAccount)).rejects.toThrow();
  });

  it('lets a portal introspect and revoke only its own tokens', async () => {
    const { attempt, callback } = await signIn(new TestBrowser(), portal, alice);
    const tokens = await portal.exchange(callback.url, attempt);
    const other = await TestPortal.discover(stack, TEST_CLIENTS[1]);
    expect((await oidc.tokenIntrospection(other.configuration, tokens.access_token)).active).toBe(false);
    // RFC 7009 answers 200 either way; what matters is that the token survives another portal's request.
    await oidc.tokenRevocation(other.configuration, tokens.access_token);
    expect((await oidc.tokenIntrospection(portal.configuration, tokens.access_token)).active).toBe(true);
  });

  it('signs in again without a login while the broker session lasts (SSO), and logout ends that session', async () => {
    const browser = new TestBrowser();
    const { attempt, callback } = await signIn(browser, portal, alice);
    const tokens = await portal.exchange(callback.url, attempt);

    const silent = await portal.authorizationRequest({ prompt: 'none' });
    const again = await browser.navigate(silent.url.href, {}, silent.redirectUri);
    expect(new URL(again.url).searchParams.get('code')).toBeTruthy();

    const logoutUrl = oidc.buildEndSessionUrl(portal.configuration, {
      id_token_hint: tokens.id_token ?? '',
      post_logout_redirect_uri: TEST_CLIENTS[0].postLogoutRedirectUris[0],
    });
    const confirm = await browser.navigate(logoutUrl.href);
    // An ID token of this very session: no question, the page submits the logout by itself (a browser runs it).
    expect(headingOf(confirm.html)).toBe('Signing you out');
    const done = await browser.submit(
      confirm,
      '/session/end/confirm',
      { logout: 'yes' },
      TEST_CLIENTS[0].postLogoutRedirectUris[0],
    );
    expect(done.url).toBe(TEST_CLIENTS[0].postLogoutRedirectUris[0]);

    const afterLogout = await portal.authorizationRequest({ prompt: 'none' });
    const refused = await browser.navigate(afterLogout.url.href, {}, afterLogout.redirectUri);
    expect(new URL(refused.url).searchParams.get('error')).toBe('login_required');
  });

  it('refuses a portal that requires a plan the account lacks with access_denied and no code', async () => {
    const partner = await TestPortal.discover(stack, TEST_CLIENTS[1]);
    const browser = new TestBrowser();
    const { callback: explained } = await signIn(browser, partner, bob);
    expect(headingOf(explained.html)).toBe('PartnerSource needs a Support plan');
    const callback = await browser.submit(explained, '/abort', {}, partner.redirectUri);
    const params = new URL(callback.url).searchParams;
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('code')).toBeNull();

    const allowed = await signIn(new TestBrowser(), partner, alice);
    expect(new URL(allowed.callback.url).searchParams.get('code')).toBeTruthy();
  });

  it('also refuses such a portal when the person already has a broker session (SSO)', async () => {
    const browser = new TestBrowser();
    await signIn(browser, portal, bob);
    const partner = await TestPortal.discover(stack, TEST_CLIENTS[1]);
    const attempt = await partner.authorizationRequest();
    const explained = await browser.navigate(attempt.url.href, {}, attempt.redirectUri);
    expect(headingOf(explained.html)).toBe('PartnerSource needs a Support plan');
    const callback = await browser.submit(explained, '/abort', {}, attempt.redirectUri);
    expect(new URL(callback.url).searchParams.get('error')).toBe('access_denied');
    expect(new URL(callback.url).searchParams.get('code')).toBeNull();
  });

  it('asks for consent only where a portal is configured to, and honours the answer', async () => {
    const thirdParty = await TestPortal.discover(stack, TEST_CLIENTS[2]);
    const declining = new TestBrowser();
    const first = await signIn(declining, thirdParty, alice);
    expect(headingOf(first.callback.html)).toBe('Allow Third Party access');
    expect(first.callback.html).toContain('Your customer number and plans');
    const declined = await declining.submit(first.callback, '/abort', {}, thirdParty.redirectUri);
    expect(new URL(declined.url).searchParams.get('error')).toBe('access_denied');
    expect(new URL(declined.url).searchParams.get('code')).toBeNull();

    const allowing = new TestBrowser();
    const second = await signIn(allowing, thirdParty, alice);
    const allowed = await allowing.submit(second.callback, '/consent', {}, thirdParty.redirectUri);
    const tokens = await thirdParty.exchange(allowed.url, second.attempt);
    expect(tokens.claims()).toMatchObject({ sub: aliceAccount, plans: ['support'] });
  });

  it('shows the association page, and no code, to an identity that is not linked yet', async () => {
    const { callback } = await signIn(new TestBrowser(), portal, carol);
    expect(callback.url.startsWith(portal.redirectUri)).toBe(false);
    expect(headingOf(callback.html)).toBe('Associate your account');
  });

  it('returns access_denied, and no code, to the portal when the person cancels at the upstream', async () => {
    const browser = new TestBrowser();
    const attempt = await portal.authorizationRequest();
    const loginPage = await browser.navigate(attempt.url.href, {}, attempt.redirectUri);
    const page = await browser.submit(loginPage, '/abort', {}, attempt.redirectUri);
    expect(page.url.startsWith(attempt.redirectUri)).toBe(true);
    const params = new URL(page.url).searchParams;
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('state')).toBe(attempt.state);
    expect(params.get('code')).toBeNull();
  });

  it('ends on an error page with no code when the state coming back from upstream was tampered with', async () => {
    const browser = new TestBrowser();
    const attempt = await portal.authorizationRequest();
    const loginPage = await browser.navigate(attempt.url.href, {}, attempt.redirectUri);
    const form = loginPage.html;
    expect(form).toContain('password');
    // Submit the upstream login, but stop at the broker's callback and change its state.
    const callbackPrefix = `${stack.brokerUrl}/upstream/demo/callback`;
    const atCallback = await loginUpstream(browser, loginPage, alice, callbackPrefix);
    const tampered = new URL(atCallback.url);
    tampered.searchParams.set('state', `${tampered.searchParams.get('state')}x`);
    const page = await browser.navigate(tampered.href, {}, attempt.redirectUri);
    expect(page.status).toBe(400);
    expect(headingOf(page.html)).toBe('This sign-in has expired');

    // The genuine callback replayed after a refusal is refused too: the transaction is gone or unbound.
    const replay = await browser.navigate(atCallback.url, {}, attempt.redirectUri);
    expect(replay.url.startsWith(attempt.redirectUri)).toBe(false);
  });
});

describe('signing keys', () => {
  it('survive a restart: a token issued before still verifies against the JWKS after', async () => {
    const stack = await startStack();
    try {
      await stack.seedLinkedAccount(alice);
      const portal = await TestPortal.discover(stack);
      const { attempt, callback } = await signIn(new TestBrowser(), portal, alice);
      const { id_token: idToken } = await portal.exchange(callback.url, attempt);

      const restarted = await createBroker(stack.config, silentLogger);
      const { server } = await restarted.start({ port: 0, host: '127.0.0.1', management: false });
      try {
        const port = (server.address() as { port: number }).port;
        // The restarted broker answers only for its issuer's host (pinned public URLs), so it is asked with it.
        const published = await new Promise<string>((resolve, reject) => {
          httpGet({ port, path: '/jwks', headers: { host: new URL(stack.brokerUrl).host } }, (response) => {
            let body = '';
            response.on('data', (chunk: Buffer) => (body += chunk.toString()));
            response.on('end', () => resolve(body));
          }).on('error', reject);
        });
        const jwks = createLocalJWKSet(JSON.parse(published) as Parameters<typeof createLocalJWKSet>[0]);
        const { payload } = await jwtVerify(idToken ?? '', jwks, { issuer: stack.brokerUrl });
        expect(payload.sub).toBeDefined();
      } finally {
        await restarted.stop();
      }
    } finally {
      await stack.close();
    }
  });
});
