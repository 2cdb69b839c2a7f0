import { startStack, type Stack } from '../support/stack.ts';
import { rawRequest, setCookies } from './support/raw-http.ts';

const DISCOVERY = '/.well-known/openid-configuration';

describe('URLs the broker writes come from the configured issuer, whatever the request says', () => {
  let stack: Stack;
  let host: string;
  beforeAll(async () => {
    // One trusted proxy in front, as in production: even its X-Forwarded-Host does not choose the URLs.
    stack = await startStack({ trustProxy: 1 });
    host = new URL(stack.brokerUrl).host;
  });
  afterAll(() => stack.close());

  it('refuses a forged Host with 421 on discovery and on the logout form, writing no URL of it', async () => {
    for (const path of [DISCOVERY, '/session/end']) {
      const response = await rawRequest(stack.brokerUrl, path, { headers: { host: 'evil.example' } });
      expect(response.status).toBe(421);
      expect(response.body).not.toContain('evil.example');
    }
  });

  it('refuses a forged X-Forwarded-Host and an absolute-form target for another host', async () => {
    const forwarded = await rawRequest(stack.brokerUrl, DISCOVERY, {
      headers: { host, 'x-forwarded-host': 'evil.example' },
    });
    expect(forwarded.status).toBe(421);
    const absolute = await rawRequest(stack.brokerUrl, `http://evil.example${DISCOVERY}`, { headers: { host } });
    expect(absolute.status).toBe(421);
    expect(absolute.body).not.toContain('evil.example');
  });

  it('builds discovery from the issuer even when X-Forwarded-Proto and -Port say otherwise', async () => {
    const response = await rawRequest(stack.brokerUrl, DISCOVERY, {
      headers: {
        host,
        'x-forwarded-host': host,
        'x-forwarded-proto': 'https',
        'x-forwarded-port': '8443',
        accept: 'application/json',
      },
    });
    expect(response.status).toBe(200);
    const discovery = JSON.parse(response.body) as Record<string, unknown>;
    expect(discovery.issuer).toBe(stack.brokerUrl);
    for (const key of [
      'authorization_endpoint',
      'token_endpoint',
      'jwks_uri',
      'end_session_endpoint',
      'userinfo_endpoint',
    ]) {
      expect(discovery[key]).toEqual(expect.stringMatching(new RegExp(`^${stack.brokerUrl}/`)));
    }
  });

  it("puts the issuer into the logout form, not the request's scheme", async () => {
    const response = await rawRequest(stack.brokerUrl, '/session/end', {
      headers: { host, 'x-forwarded-proto': 'https' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toContain(`action="${stack.brokerUrl}/session/end/confirm"`);
  });

  it('answers health probes addressed to a bare IP or an internal name', async () => {
    const response = await rawRequest(stack.brokerUrl, '/healthz', { headers: { host: '10.0.0.7:3000' } });
    expect(response.status).toBe(200);
  });
});

describe('an https issuer behind a TLS proxy', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ issuer: 'https://login.broker.example', trustProxy: 1 });
  });
  afterAll(() => stack.close());

  it('sets every cookie Secure and redirects to https URLs, though the proxy speaks plain HTTP to it', async () => {
    const authorize = new URL('/auth', stack.brokerUrl);
    authorize.search = new URLSearchParams({
      client_id: 'customersource',
      redirect_uri: 'http://127.0.0.1:9/customersource/callback',
      response_type: 'code',
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      state: 'state-0123456789',
    }).toString();
    const headers = { host: 'login.broker.example', 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' };
    const started = await rawRequest(stack.brokerUrl, `${authorize.pathname}${authorize.search}`, { headers });
    expect(started.status).toBe(303);
    // The first sign-in goes through the interaction page (which discovers the upstream): a path, or an absolute URL
    // of the issuer, never a host or scheme taken from the request.
    expect(started.headers.location).toMatch(/^(https:\/\/login\.broker\.example)?\/interaction\//);
    const cookies = setCookies(started);
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie).toMatch(/;\s*secure/i);

    // The broker's own pages (CSRF and upstream state cookies) too.
    const interaction = new URL(String(started.headers.location), 'https://login.broker.example');
    const cookieHeader = cookies.map((c) => c.split(';')[0]).join('; ');
    const page = await rawRequest(stack.brokerUrl, interaction.pathname, {
      headers: { ...headers, cookie: cookieHeader },
    });
    const own = setCookies(page);
    expect(own.length).toBeGreaterThan(0);
    for (const cookie of own) expect(cookie).toMatch(/;\s*secure/i);

    // Once discovered, a sign-in goes straight upstream, with the issuer's https callback and Secure cookies.
    const straight = await rawRequest(stack.brokerUrl, `${authorize.pathname}${authorize.search}`, { headers });
    const upstream = new URL(String(straight.headers.location));
    expect(upstream.origin).toBe(new URL(stack.upstreamUrl).origin);
    expect(upstream.searchParams.get('redirect_uri')).toBe('https://login.broker.example/upstream/demo/callback');
    const straightCookies = setCookies(straight);
    expect(straightCookies.map((c) => c.split('=')[0])).toEqual(
      expect.arrayContaining(['_interaction', 'ib.upstream']),
    );
    for (const cookie of straightCookies) expect(cookie).toMatch(/;\s*secure/i);
  });
});
