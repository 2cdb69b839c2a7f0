import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { createDemoPortal } from './demo-portal.ts';
import { createDemoUpstream, DEMO_USERS } from './demo-upstream.ts';
import { DemoBrowser, textOf, type Page } from './demo-browser.ts';

// The demo portal signs in straight against the demo upstream (playing the OP), both on loopback with real HTTP.
const PORTAL_CLIENT = { clientId: 'demo-portal', clientSecret: 'demo-portal-secret-0123456789' };
const alice = DEMO_USERS.find((user) => user.sub === 'alice-0001')!;

async function listening(): Promise<{ server: Server; url: string }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let upstream: { server: Server; url: string };
let portal: { server: Server; url: string };

beforeAll(async () => {
  upstream = await listening();
  portal = await listening();
  const demoUpstream = await createDemoUpstream({
    issuer: upstream.url,
    clients: [
      { ...PORTAL_CLIENT, redirectUris: [`${portal.url}/callback`], postLogoutRedirectUris: [`${portal.url}/`] },
    ],
  });
  upstream.server.on('request', demoUpstream.callback);
  const demoPortal = createDemoPortal({
    ...PORTAL_CLIENT,
    baseUrl: portal.url,
    issuer: upstream.url,
    name: 'CustomerSource',
    scope: 'openid email profile',
  });
  portal.server.on('request', demoPortal.callback);
});

afterAll(async () => {
  for (const { server } of [upstream, portal]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const isLoginPage = (page: Page) => page.html.includes('<h1>Sign in to Demo ID</h1>');

async function openLoginPage(browser: DemoBrowser, query = ''): Promise<Page> {
  const page = await browser.navigate(`${portal.url}/login${query}`);
  expect(page.url.startsWith(`${upstream.url}/interaction/`)).toBe(true);
  expect(isLoginPage(page)).toBe(true);
  return page;
}

async function signIn(browser: DemoBrowser, password = alice.password): Promise<Page> {
  return browser.submit(await openLoginPage(browser), '/login', { email: alice.email, password });
}

describe('demo upstream', () => {
  it('is discoverable by openid-client under its own issuer', async () => {
    const config = await oidc.discovery(
      new URL(upstream.url),
      PORTAL_CLIENT.clientId,
      PORTAL_CLIENT.clientSecret,
      undefined,
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
    expect(config.serverMetadata().issuer).toBe(upstream.url);
    expect(config.serverMetadata().code_challenge_methods_supported).toContain('S256');
  });

  it('shows the sign-in form again with an error after a wrong password', async () => {
    const page = await signIn(new DemoBrowser(), 'not-the-password');
    expect(page.status).toBe(200);
    expect(isLoginPage(page)).toBe(true);
    expect(textOf(page.html, 'error')).toBe('Wrong e-mail or password.');
  });
});

describe('demo portal signing in through the demo upstream', () => {
  it('shows no claims and a sign-in link before anyone signs in', async () => {
    const page = await new DemoBrowser().navigate(`${portal.url}/`);
    expect(page.html).toContain('<a id="login" href="/login">Sign in</a>');
    expect(textOf(page.html, 'claims')).toBeUndefined();
  });

  it('shows the signed-in user and her claims from the ID token and userinfo', async () => {
    const page = await signIn(new DemoBrowser());
    expect(page.url).toBe(`${portal.url}/`);
    expect(page.html).toContain('<h1>CustomerSource</h1>');
    expect(page.html).toContain('Signed in as <strong id="user">Alice Example</strong>');
    const claims = JSON.parse(textOf(page.html, 'claims') ?? '{}') as Record<string, unknown>;
    expect(claims).toMatchObject({
      sub: alice.sub,
      email: alice.email,
      email_verified: true,
      name: alice.name,
      iss: upstream.url,
    });
  });

  it('shows access_denied when the user cancels at the upstream', async () => {
    const browser = new DemoBrowser();
    const page = await browser.submit(await openLoginPage(browser), '/abort');
    expect(page.url).toBe(`${portal.url}/`);
    expect(textOf(page.html, 'error')).toBe('error: access_denied – The user cancelled the sign-in');
    expect(page.html).toContain('id="login"');
  });

  it('signs in again without a form while the upstream session lasts, but asks again with prompt=login', async () => {
    const browser = new DemoBrowser();
    await signIn(browser);
    const silent = await browser.navigate(`${portal.url}/login`);
    expect(silent.url).toBe(`${portal.url}/`);
    expect(textOf(silent.html, 'claims')).toContain(alice.email);

    const forced = await openLoginPage(browser, '?prompt=login');
    const after = await browser.submit(forced, '/login', { email: alice.email, password: alice.password });
    expect(textOf(after.html, 'claims')).toContain(alice.email);
  });

  it('signs out at the upstream too and comes back signed out', async () => {
    const browser = new DemoBrowser();
    const signedIn = await signIn(browser);
    const confirm = await browser.submit(signedIn, '/logout');
    expect(confirm.url.startsWith(upstream.url)).toBe(true);
    const back = await browser.navigate(new URL(confirm.html.match(/action="([^"]+)"/)![1]!, confirm.url).href, {
      ...Object.fromEntries(
        [...confirm.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
      ),
      logout: 'yes',
    });
    expect(back.url).toBe(`${portal.url}/`);
    expect(back.html).toContain('id="login"');
    await openLoginPage(browser); // the upstream session is gone as well
  });
});
