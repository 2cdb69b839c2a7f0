import { createHash } from 'node:crypto';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { TestBrowser, formsOf, headingOf, type Page } from '../support/browser.ts';
import { demoUser, startStack, TEST_CLIENTS, type Stack } from '../support/stack.ts';
import { StackPortal } from '../portals/stack-portal.ts';
import { startLogoutReceiver, type LogoutReceiver } from '../portals/logout-receiver.ts';
import { closeServer, listenOnLoopback } from '../parties/loopback-server.ts';

// Logout as portals and people observe it: RP-initiated logout by GET and POST, with and without a broker session,
// back-channel logout tokens to every portal of the session (one of them down), front-channel iframes.

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
});
