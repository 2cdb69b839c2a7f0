import type { Browser, Page } from 'playwright-core';
import { closeServer, listenOnLoopback } from '../parties/loopback-server.ts';
import { createBrowserPortal, type BrowserPortal } from '../portals/browser-portal.ts';
import { singlePageApp } from '../portals/single-page-app.ts';
import { demoUser, startStack, type Stack } from '../support/stack.ts';
import { launchChromium, openBrowserSession, type BrowserSession } from './support/chromium.ts';
import { e2eLocale, TEXTS } from './support/texts.ts';

// Portals of other stacks in a real browser: an ASP.NET Core-style portal (form_post, PKCE, client_secret_post,
// front-channel logout) on 127.0.0.1, and an older portal on http://localhost (another site) that starts its
// sign-in and its logout with a cross-site POST. What must hold: every page the broker's own scripts drive runs
// under the broker's CSP, nothing stays on a blank page, and each round trip ends on the portal's registered URI.

const alice = demoUser('alice');
const t = TEXTS[e2eLocale()];
const SCENARIO_TIMEOUT = 60_000;

interface RunningPortal {
  url: string;
  portal: BrowserPortal;
  close(): Promise<void>;
}

let stack: Stack;
let browser: Browser;
let aspnet: RunningPortal;
let legacy: RunningPortal;
/** The single-page app at its registered origin, and the same app copied to an origin that is not allowed. */
let spa: { url: string; close(): Promise<void> };
let spaElsewhere: { url: string; close(): Promise<void> };

async function listenAs(host: '127.0.0.1' | 'localhost') {
  const listening = await listenOnLoopback();
  return { ...listening, url: listening.url.replace('127.0.0.1', host) };
}

beforeAll(async () => {
  const [aspnetServer, legacyServer, spaServer, spaElsewhereServer] = await Promise.all([
    listenAs('127.0.0.1'),
    listenAs('localhost'),
    listenAs('127.0.0.1'),
    listenAs('127.0.0.1'),
  ]);
  const registration = (clientId: string, url: string, extra: Record<string, unknown> = {}) => ({
    clientId,
    clientSecret: `${clientId}-secret-0123456789`,
    name: clientId,
    tokenEndpointAuthMethod: 'client_secret_post',
    redirectUris: [`${url}/callback`],
    postLogoutRedirectUris: [`${url}/`],
    ...extra,
  });
  stack = await startStack({
    clients: [
      registration('aspnet', aspnetServer.url, { frontchannelLogoutUri: `${aspnetServer.url}/frontchannel-logout` }),
      registration('legacy', legacyServer.url),
      {
        clientId: 'spa',
        name: 'SPA',
        tokenEndpointAuthMethod: 'none',
        redirectUris: [`${spaServer.url}/`, `${spaElsewhereServer.url}/`],
        allowedOrigins: [spaServer.url],
      },
    ],
  });
  await stack.seedLinkedAccount(alice);
  const start = (clientId: string, server: typeof aspnetServer, responseMode: 'form_post' | 'query'): RunningPortal => {
    const portal = createBrowserPortal({
      baseUrl: server.url,
      issuer: stack.brokerUrl,
      clientId,
      clientSecret: `${clientId}-secret-0123456789`,
      name: clientId,
      responseMode,
    });
    server.server.on('request', portal.handle);
    return { url: server.url, portal, close: () => closeServer(server.server) };
  };
  aspnet = start('aspnet', aspnetServer, 'form_post');
  legacy = start('legacy', legacyServer, 'query');
  for (const server of [spaServer, spaElsewhereServer])
    server.server.on('request', singlePageApp({ issuer: stack.brokerUrl, clientId: 'spa' }));
  spa = { url: spaServer.url, close: () => closeServer(spaServer.server) };
  spaElsewhere = { url: spaElsewhereServer.url, close: () => closeServer(spaElsewhereServer.server) };
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([aspnet?.close(), legacy?.close(), spa?.close(), spaElsewhere?.close()]);
  await stack?.close();
});

/** A browser session that also records every CSP violation Chromium reports on any page. */
async function openSession(): Promise<BrowserSession & { cspViolations: string[] }> {
  const session = await openBrowserSession(browser, t.browserLocale);
  const cspViolations: string[] = [];
  session.page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${session.page.url()}: ${message.text()}`);
  });
  return { ...session, cspViolations };
}

async function signInAtDemoId(page: Page): Promise<void> {
  await page.locator('#email').fill(alice.email);
  await page.locator('#password').fill(alice.password);
  await page.locator('form[action$="/login"] button[type="submit"]').click();
}

async function portalStatus(page: Page, portal: RunningPortal): Promise<string> {
  await page.waitForURL(`${portal.url}/`);
  return page.locator('#status').innerText();
}

function scenario(title: string, run: (session: Awaited<ReturnType<typeof openSession>>) => Promise<void>): void {
  it(
    title,
    async () => {
      const session = await openSession();
      try {
        await run(session);
        expect(session.cspViolations).toEqual([]);
      } finally {
        await session.context.close();
      }
    },
    SCENARIO_TIMEOUT,
  );
}

scenario(
  'a form_post portal signs in, and logout with a broker session tells it through its front-channel iframe',
  async ({ page, shownPages }) => {
    await page.goto(`${aspnet.url}/`);
    await page.locator('#login').click();
    await signInAtDemoId(page);
    // The broker's answer is oidc-provider's auto-submitting form_post page: it must run, not stay blank.
    expect(await portalStatus(page, aspnet)).toBe('signed in');
    expect(shownPages.some((url) => url.origin === stack.brokerUrl && url.pathname.startsWith('/auth'))).toBe(true);
    const claims = JSON.parse(await page.locator('#claims').innerText()) as { sid: string };

    const before = aspnet.portal.frontchannelLogouts.length;
    await page.locator('#logout').click();
    // No question (the portal sent this session's ID token), the signed-out page loads the portal's front-channel
    // URL in an iframe, then goes on to the portal's registered post-logout URI.
    expect(await portalStatus(page, aspnet)).toBe('signed out');
    expect(aspnet.portal.frontchannelLogouts.slice(before)).toEqual([{ iss: stack.brokerUrl, sid: claims.sid }]);
    expect(shownPages.filter((url) => url.pathname === '/session/end')).toHaveLength(1);

    // The broker session is gone (Demo ID's own session is not, so prompt=none is what asks the broker alone).
    await page.goto(`${aspnet.url}/login?prompt=none`);
    await page.waitForURL(`${aspnet.url}/callback`);
    await expect(page.locator('#error').innerText()).resolves.toBe('login_required');
  },
);

scenario('logout without a broker session returns to the portal by itself', async ({ page }) => {
  await page.goto(`${aspnet.url}/logout`);
  expect(await portalStatus(page, aspnet)).toBe('signed out');
});

scenario(
  'a portal on another site starts the sign-in and the logout with a POST, and the broker session is found',
  async ({ page }) => {
    await page.goto(`${aspnet.url}/`);
    await page.locator('#login').click();
    await signInAtDemoId(page);
    expect(await portalStatus(page, aspnet)).toBe('signed in');

    // Cross-site POST with prompt=none: a code only if the browser sent the broker's session cookie.
    await page.goto(`${legacy.url}/login-by-post?prompt=none`);
    expect(await portalStatus(page, legacy)).toBe('signed in');

    await page.goto(`${legacy.url}/logout-by-post`);
    expect(await portalStatus(page, legacy)).toBe('signed out');
    // The aspnet portal's part of the session ended too: at the broker, and at the portal by its front-channel iframe.
    await page.goto(`${aspnet.url}/`);
    await expect(page.locator('#status').innerText()).resolves.toBe('signed out');
    await page.goto(`${aspnet.url}/login?prompt=none`);
    await page.waitForURL(`${aspnet.url}/callback`);
    await expect(page.locator('#error').innerText()).resolves.toBe('login_required');
  },
);

scenario(
  'a single-page app signs in with PKCE and no secret, and calls the token endpoint from its own origin only',
  async ({ page }) => {
    await page.goto(`${spa.url}/`);
    await page.locator('#login').click();
    await signInAtDemoId(page);
    await page.waitForURL(`${spa.url}/?**`);
    await expect(page.locator('#status').filter({ hasNotText: 'loading' }).innerText()).resolves.toBe('signed in');
    await expect(page.locator('#detail').innerText()).resolves.toBe('refresh rotated');

    // The same app on an origin that is not in allowedOrigins: the browser gets a code, but may not read the token
    // endpoint's answer.
    await page.goto(`${spaElsewhere.url}/`);
    await page.locator('#login').click();
    await page.waitForURL(`${spaElsewhere.url}/?**`);
    await expect(page.locator('#status').filter({ hasNotText: 'loading' }).innerText()).resolves.toBe('error');
    await expect(page.locator('#detail').innerText()).resolves.toBe('Failed to fetch');
  },
);
