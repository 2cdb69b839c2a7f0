import { createHash } from 'node:crypto';
import * as oidc from 'openid-client';
import { SignJWT, createRemoteJWKSet, decodeProtectedHeader, generateKeyPair, jwtVerify } from 'jose';
import { TestBrowser, formsOf, headingOf, type Page } from '../support/browser.ts';
import { demoUser, startStack, TEST_CLIENTS, type Stack } from '../support/stack.ts';
import { StackPortal } from '../portals/stack-portal.ts';
import { startLogoutReceiver, type LogoutReceiver } from '../portals/logout-receiver.ts';
import { closeServer, listenOnLoopback } from '../parties/loopback-server.ts';

// Logout as portals and people observe it: RP-initiated logout by GET and POST, with and without a broker session,
// back-channel logout tokens to every portal of the session (one of them down), front-channel iframes, and the
// end-session endpoint called by a portal's server (oauth2-proxy's --backend-logout-url) with no browser.

const alice = demoUser('alice');
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const [customerSource] = TEST_CLIENTS;
const A = {
  clientId: 'portal-a',
  secret: 'portal-a-secret-0123456789',
  redirectUri: 'http://127.0.0.1:9/a/callback',
  home: 'http://127.0.0.1:9/a/',
};
const B = { clientId: 'portal-b', secret: 'portal-b-secret-0123456789', redirectUri: 'http://127.0.0.1:9/b/callback' };
const DOWN = {
  clientId: 'portal-down',
  secret: 'portal-down-secret-012345',
  redirectUri: 'http://127.0.0.1:9/down/callback',
};

function cspOf(page: Page | Response): Map<string, string[]> {
  const header = page.headers.get('content-security-policy') ?? '';
  return new Map(
    header
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name = '', ...values]) => [name, values]),
  );
}

/** The inline scripts of a page and whether the page's CSP lets each run (by its hash or its nonce). */
function scriptsAllowed(page: Page): boolean[] {
  const sources = cspOf(page).get('script-src') ?? [];
  return [...page.html.matchAll(/<script( nonce="([^"]*)")?>([\s\S]*?)<\/script>/g)].map(([, , nonce, body = '']) => {
    const hash = `'sha256-${createHash('sha256').update(body).digest('base64')}'`;
    return sources.includes(hash) || (nonce !== undefined && sources.includes(`'nonce-${nonce}'`));
  });
}

describe('logout', () => {
  let stack: Stack;
  let receiverA: LogoutReceiver;
  let receiverB: LogoutReceiver;
  let portalA: StackPortal;
  let portalB: StackPortal;
  let portalDown: StackPortal;
  let hanging: Awaited<ReturnType<typeof listenOnLoopback>>;

  beforeAll(async () => {
    [receiverA, receiverB] = await Promise.all([startLogoutReceiver(), startLogoutReceiver()]);
    // A portal that accepts the connection and never answers: the worst kind of down.
    hanging = await listenOnLoopback();
    const client = (p: typeof A | typeof B, extra: Record<string, unknown>) => ({
      clientId: p.clientId,
      clientSecret: p.secret,
      name: p.clientId,
      redirectUris: [p.redirectUri],
      ...extra,
    });
    stack = await startStack({
      clients: [
        customerSource,
        client(A, {
          postLogoutRedirectUris: [A.home],
          backchannelLogoutUri: receiverA.backchannelUri,
          frontchannelLogoutUri: receiverA.frontchannelUri,
        }),
        client(B, { backchannelLogoutUri: receiverB.backchannelUri }),
        client(DOWN, { backchannelLogoutUri: `${hanging.url}/backchannel-logout` }),
      ],
    });
    await stack.seedLinkedAccount(alice);
    const discover = (p: typeof A | typeof B) => StackPortal.discover(stack, p, oidc.ClientSecretBasic(p.secret));
    [portalA, portalB, portalDown] = await Promise.all([discover(A), discover(B), discover(DOWN)]);
  });
  afterAll(async () => {
    await stack.close();
    await Promise.all([receiverA.close(), receiverB.close(), closeServer(hanging.server)]);
  });

  async function signedInEverywhere(browser: TestBrowser) {
    const first = await portalA.signIn(browser, alice);
    const tokensA = await portalA.exchange(first.callback.url, first.attempt);
    const second = await portalB.signInAgain(browser);
    const tokensB = await portalB.exchange(second.callback.url, second.attempt);
    await portalDown.signInAgain(browser);
    return { tokensA, tokensB };
  }

  it("ends the session at every portal: logout tokens to each, front-channel iframes, and no question with this session's ID token", async () => {
    const browser = new TestBrowser();
    const { tokensA, tokensB } = await signedInEverywhere(browser);
    const before = { a: receiverA.logoutTokens.length, b: receiverB.logoutTokens.length };

    const logoutUrl = oidc.buildEndSessionUrl(portalA.configuration, {
      id_token_hint: tokensA.id_token!,
      post_logout_redirect_uri: A.home,
    });
    const continuing = await browser.navigate(logoutUrl.href);
    expect(headingOf(continuing.html)).toBe('Signing you out');
    expect(scriptsAllowed(continuing)).toEqual([true]);

    const started = Date.now();
    const signedOut = await browser.submit(continuing, '/session/end/confirm', { logout: 'yes' });
    // A portal that is down (portal-down) holds nobody up: its delivery goes on in the background.
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(headingOf(signedOut.html)).toBe('You are signed out');
    const frames = [...signedOut.html.matchAll(/<iframe src="([^"]+)"/g)].map(
      ([, src]) => new URL(src!.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&')),
    );
    expect(frames).toHaveLength(1);
    expect(frames[0]!.origin + frames[0]!.pathname).toBe(receiverA.frontchannelUri);
    expect(frames[0]!.searchParams.get('iss')).toBe(stack.brokerUrl);
    expect(frames[0]!.searchParams.get('sid')).toBe(tokensA.claims()?.sid);
    expect(cspOf(signedOut).get('frame-src')).toEqual([receiverA.url]);
    expect(scriptsAllowed(signedOut)).toEqual([true]);
    expect(/<a id="continue" href="([^"]+)"/.exec(signedOut.html)?.[1]).toBe(A.home);

    const jwks = createRemoteJWKSet(new URL(`${stack.brokerUrl}/jwks`));
    for (const [receiver, portal, tokens, count] of [
      [receiverA, A, tokensA, before.a],
      [receiverB, B, tokensB, before.b],
    ] as const) {
      const [token] = (await receiver.waitForLogoutTokens(count + 1)).slice(count);
      const { payload, protectedHeader } = await jwtVerify(token!, jwks, {
        issuer: stack.brokerUrl,
        audience: portal.clientId,
      });
      expect(protectedHeader.typ).toBe('logout+jwt');
      expect(payload.events).toEqual({ [BACKCHANNEL_EVENT]: {} });
      expect(payload.sid).toBe(tokens.claims()?.sid);
      expect(payload.sub).toBe(tokens.claims()?.sub);
      expect(payload).not.toHaveProperty('nonce');
      expect(payload.jti).toEqual(expect.any(String));
    }

    const silent = await portalB.signInAgain(browser, { prompt: 'none' });
    expect(new URL(silent.callback.url).searchParams.get('error')).toBe('login_required');
  });

  it('asks the person when the logout request has no ID token of their session', async () => {
    const other = new TestBrowser();
    const { tokensA: othersToken } = await signedInEverywhere(other);
    const browser = new TestBrowser();
    await signedInEverywhere(browser);

    const requests: Array<Record<string, string>> = [
      { client_id: A.clientId },
      { id_token_hint: othersToken.id_token! },
    ];
    for (const parameters of requests) {
      const page = await browser.navigate(
        oidc.buildEndSessionUrl(portalA.configuration, { ...parameters, post_logout_redirect_uri: A.home }).href,
      );
      expect(headingOf(page.html)).toBe('Sign out of portal-a');
      expect(page.html).not.toContain('<script');
      expect(cspOf(page).has('script-src')).toBe(false);
    }
    const stillSignedIn = await portalB.signInAgain(browser, { prompt: 'none' });
    expect(new URL(stillSignedIn.callback.url).searchParams.get('code')).toBeTruthy();
  });

  it('accepts POST on the end-session endpoint as GET, and without a session goes back to the portal by itself', async () => {
    const browser = new TestBrowser();
    const posted = await browser.request(`${stack.brokerUrl}/session/end`, {
      form: { client_id: A.clientId, post_logout_redirect_uri: A.home, state: 'xyz' },
    });
    expect(posted.status).toBe(303);
    const page = await browser.navigate(posted.headers.get('location')!);
    // No broker session: oidc-provider's own auto-submitting form, allowed by the hash of its script.
    expect(page.status).toBe(200);
    expect(scriptsAllowed(page)).toEqual([true]);
    const form = formsOf(page.html)[0]!;
    const done = await browser.navigate(
      new URL(form.action, page.url).href,
      { method: 'POST', form: form.fields },
      A.home,
    );
    expect(done.url).toBe(`${A.home}?state=xyz`);
  });

  it('accepts POST on the authorization endpoint as GET, the session cookie included', async () => {
    const browser = new TestBrowser();
    await portalA.signIn(browser, alice);
    const attempt = await portalB.authorizationRequest({ prompt: 'none' });
    const posted = await browser.request(`${stack.brokerUrl}/auth`, {
      form: Object.fromEntries(attempt.url.searchParams),
    });
    expect(posted.status).toBe(303);
    expect(new URL(posted.headers.get('location')!).searchParams.get('client_id')).toBe(B.clientId);
    const callback = await browser.navigate(posted.headers.get('location')!, {}, B.redirectUri);
    await expect(portalB.exchange(callback.url, attempt)).resolves.toHaveProperty('id_token');
  });

  it('form_post: the auto-submitting response runs under a CSP that allows its one script, while other pages allow none', async () => {
    const browser = new TestBrowser();
    await portalA.signIn(browser, alice);
    const attempt = await portalA.authorizationRequest({ response_mode: 'form_post' });
    const page = await browser.navigate(attempt.url.href);
    expect(page.status).toBe(200);
    expect(formsOf(page.html)[0]).toMatchObject({
      action: A.redirectUri,
      method: 'post',
      fields: { code: expect.any(String), state: attempt.state },
    });
    expect(scriptsAllowed(page)).toEqual([true]);
    expect(cspOf(page).get('form-action')).toEqual(expect.arrayContaining(["'self'", 'http://127.0.0.1:*']));

    const discovery = await fetch(`${stack.brokerUrl}/.well-known/openid-configuration`);
    const broken = await new TestBrowser().navigate(`${stack.brokerUrl}/auth?client_id=nobody`);
    for (const response of [discovery, broken]) {
      expect(cspOf(response as Page).get('default-src')).toEqual(["'none'"]);
      expect(cspOf(response as Page).has('script-src')).toBe(false);
    }
  });

  describe("from a portal's server, with no browser", () => {
    /** A server's HTTP client: no cookie, no Fetch Metadata of a navigation, `Accept: *\/*` (node's fetch). */
    const fromServer = (url: URL | string, init: RequestInit = {}) => fetch(url, { redirect: 'manual', ...init });
    const endSessionUrl = (parameters: Record<string, string>) =>
      oidc.buildEndSessionUrl(portalA.configuration, parameters);

    /** Whether this browser's next authorization at portal-b is answered without the upstream. */
    async function signedInSilently(browser: TestBrowser): Promise<boolean> {
      const silent = await portalB.signInAgain(browser, { prompt: 'none' });
      const callback = new URL(silent.callback.url).searchParams;
      if (callback.get('code')) return true;
      expect(callback.get('error')).toBe('login_required');
      return false;
    }

    /** Where the broker sends this browser for a sign-in at portal-a: to the upstream, or back to the portal. */
    async function whereSignInGoes(browser: TestBrowser): Promise<string> {
      const attempt = await portalA.authorizationRequest();
      let url = attempt.url.href;
      for (let hops = 0; url.startsWith(stack.brokerUrl); hops += 1) {
        const location = (await browser.request(url)).headers.get('location');
        if (!location || hops > 10) throw new Error(`the broker answered ${url} without sending the browser on`);
        url = new URL(location, url).href;
      }
      return new URL(url).origin;
    }

    it('ends the session named by the hint: 200 without a page, logout tokens for its sids, and the next sign-in needs the upstream', async () => {
      const browser = new TestBrowser();
      const { tokensA, tokensB } = await signedInEverywhere(browser);
      expect(await whereSignInGoes(browser)).toBe(new URL(A.redirectUri).origin);
      const before = { a: receiverA.logoutTokens.length, b: receiverB.logoutTokens.length };

      // What oauth2-proxy's --backend-logout-url=<end_session_endpoint>?id_token_hint={id_token} sends.
      const answer = await fromServer(endSessionUrl({ id_token_hint: tokensA.id_token! }));
      expect(answer.status).toBe(200);
      expect(await answer.text()).toBe('');
      expect(answer.headers.get('cache-control')).toBe('no-store');

      const jwks = createRemoteJWKSet(new URL(`${stack.brokerUrl}/jwks`));
      for (const [receiver, portal, tokens, count] of [
        [receiverA, A, tokensA, before.a],
        [receiverB, B, tokensB, before.b],
      ] as const) {
        const [token] = (await receiver.waitForLogoutTokens(count + 1)).slice(count);
        const { payload } = await jwtVerify(token!, jwks, { issuer: stack.brokerUrl, audience: portal.clientId });
        expect(payload.sid).toBe(tokens.claims()?.sid);
      }
      // The portals' tokens went with the session's grants.
      const userinfo = await fetch(portalA.configuration.serverMetadata().userinfo_endpoint!, {
        headers: { authorization: `Bearer ${tokensA.access_token}` },
      });
      expect(userinfo.status).toBe(401);

      expect(await signedInSilently(browser)).toBe(false);
      expect(await whereSignInGoes(browser)).toBe(new URL(stack.upstreamUrl).origin);

      // Logout is idempotent (RP-Initiated Logout 1.0, 2): the same call again is answered alike and ends nothing more.
      const again = await fromServer(endSessionUrl({ id_token_hint: tokensA.id_token!, client_id: A.clientId }));
      expect([again.status, await again.text()]).toEqual([200, '']);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(receiverA.logoutTokens).toHaveLength(before.a + 1);
    });

    it('answers a form POST the same, without sending it on as a GET', async () => {
      const browser = new TestBrowser();
      const { tokensB } = await signedInEverywhere(browser);
      const answer = await fromServer(`${stack.brokerUrl}/session/end`, {
        method: 'POST',
        body: new URLSearchParams({ id_token_hint: tokensB.id_token!, client_id: B.clientId }),
      });
      expect([answer.status, await answer.text()]).toEqual([200, '']);
      expect(await signedInSilently(browser)).toBe(false);
    });

    it('ends nothing with a forged hint or with another portal’s hint under a different client_id', async () => {
      const browser = new TestBrowser();
      const { tokensA, tokensB } = await signedInEverywhere(browser);
      const before = { a: receiverA.logoutTokens.length, b: receiverB.logoutTokens.length };

      // The portal's own ID token, signed again with a key that is not the broker's under the broker's key id.
      const header = decodeProtectedHeader(tokensA.id_token!);
      const { privateKey } = await generateKeyPair(header.alg!);
      const forged = await new SignJWT(tokensA.claims() as Record<string, unknown>)
        .setProtectedHeader(header as { alg: string })
        .sign(privateKey);

      const refusals = [
        [{ id_token_hint: forged }, 'could not validate id_token_hint'],
        [
          { id_token_hint: tokensB.id_token!, client_id: A.clientId },
          'client_id does not match the provided id_token_hint',
        ],
        [{ id_token_hint: 'not.a.token' }, 'could not decode id_token_hint'],
      ] as const;
      for (const [parameters, description] of refusals) {
        const answer = await fromServer(endSessionUrl(parameters));
        expect(answer.status).toBe(400);
        expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
        expect(await answer.json()).toEqual({ error: 'invalid_request', error_description: description });
      }

      expect(await signedInSilently(browser)).toBe(true);
      expect(await whereSignInGoes(browser)).toBe(new URL(A.redirectUri).origin);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect([receiverA.logoutTokens.length, receiverB.logoutTokens.length]).toEqual([before.a, before.b]);
    });

    it("keeps oidc-provider's pages for a browser, even without its session cookie", async () => {
      const signedIn = new TestBrowser();
      const { tokensA } = await signedInEverywhere(signedIn);
      const url = endSessionUrl({ id_token_hint: tokensA.id_token! });

      // A browser that lost its cookie (Accept names HTML), and one that sends Fetch Metadata of a navigation.
      const cookieless = await new TestBrowser().navigate(url.href);
      const navigation = await fromServer(url, {
        headers: { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
      });
      for (const page of [cookieless, navigation]) {
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      }
      expect(formsOf(cookieless.html)[0]?.action).toContain('/session/end/confirm');
      expect(await signedInSilently(signedIn)).toBe(true);
    });
  });

  it("signs out everywhere from the person's own page: logout tokens to every portal, a front-channel frame for the one with a URI", async () => {
    const browser = new TestBrowser();
    const { tokensA, tokensB } = await signedInEverywhere(browser);
    const before = { a: receiverA.logoutTokens.length, b: receiverB.logoutTokens.length };
    // The page, in the same browser: Demo ID still has Alice's session there, so it answers without asking.
    const choice = await browser.navigate(`${stack.brokerUrl}/me`);
    const page = await browser.submit(choice, '/me/login', { upstreamId: 'demo' });
    expect(headingOf(page.html)).toBe('Your sign-ins and accounts');

    const signedOut = await browser.submit(page, '/me/sign-out-everywhere');
    expect(headingOf(signedOut.html)).toBe('You are signed out');
    const frames = [...signedOut.html.matchAll(/<iframe src="([^"]+)"/g)].map(
      ([, src]) => new URL(src!.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&')),
    );
    // Every session of Alice ends (earlier tests left some in other browsers): one frame for each at portal A only.
    expect(new Set(frames.map((f) => f.origin + f.pathname))).toEqual(new Set([receiverA.frontchannelUri]));
    expect(frames.map((f) => f.searchParams.get('sid'))).toContain(tokensA.claims()?.sid);
    expect(cspOf(signedOut).get('frame-src')).toEqual([receiverA.url]);
    // Delivered in the background: wait (5 s at most) for the token naming this browser's session at each portal.
    const sidOf = (token: string) =>
      (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sid?: string }).sid;
    const told = async (receiver: LogoutReceiver, from: number, sid: unknown) => {
      for (let waited = 0; waited < 5_000; waited += 50) {
        if (
          receiver.logoutTokens
            .slice(from)
            .map(sidOf)
            .includes(sid as string)
        )
          return true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return false;
    };
    expect(await told(receiverA, before.a, tokensA.claims()?.sid)).toBe(true);
    expect(await told(receiverB, before.b, tokensB.claims()?.sid)).toBe(true);
    const silent = await portalB.signInAgain(browser, { prompt: 'none' });
    expect(new URL(silent.callback.url).searchParams.get('error')).toBe('login_required');
  });
});
