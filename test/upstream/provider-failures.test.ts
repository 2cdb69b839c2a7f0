import { identityModel } from '../../src/accounts/identity-model.ts';
import { createLogger } from '../../src/log/logger.ts';
import { closeServer, listenOnLoopback } from '../parties/loopback-server.ts';
import { TestBrowser, formsOf, headingOf, textContent, type Page } from '../support/browser.ts';
import { TestPortal } from '../support/portal.ts';
import { isLoginPage, logInUpstream as logInAt } from './support/upstream-login.ts';
import { startProviderStack, type ProviderStack, type SentMail } from '../support/provider-stack.ts';
import { createAppleClientKey } from '../support/upstream-doubles/apple-client-key.ts';
import { startAppleDouble } from '../support/upstream-doubles/apple.ts';
import type { DoubleUser, UpstreamDouble } from '../support/upstream-doubles/contract.ts';
import { startGenericOidcDouble } from '../support/upstream-doubles/generic-oidc.ts';
import { startGoogleDouble } from '../support/upstream-doubles/google.ts';
import { startMicrosoftDouble } from '../support/upstream-doubles/microsoft.ts';

const ZOE: DoubleUser = { sub: 'zoe-0001', email: 'zoe@example.net', name: 'Zoe Example', password: 'zoe-pw' };
const REGISTERED = 'office@zoe-and-co.example';
/** CustomerSource has no homeUrl in the test configuration: the way back is its redirect URI's origin. */
const PORTAL_HOME = 'http://127.0.0.1:9/';

interface Started {
  stack: ProviderStack;
  double: UpstreamDouble;
  portal: TestPortal;
  /** The broker's log lines at warn and above, parsed. */
  logs: Array<Record<string, unknown>>;
}

type DoubleStarter = (redirectUri: string) => Promise<UpstreamDouble>;

const open: Started[] = [];

async function start(
  id: string,
  name: string,
  startDouble: DoubleStarter,
  entry: (e: Record<string, unknown>) => Record<string, unknown> = (e) => e,
): Promise<Started> {
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger('warn', {
    write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>),
  });
  let double: UpstreamDouble | undefined;
  const stack = await startProviderStack(
    async (brokerUrl) => {
      double = await startDouble(`${brokerUrl}/upstream/${id}/callback`);
      const started = double;
      return [{ entry: entry(started.upstreamConfig(id, name)), close: () => started.close() }];
    },
    {},
    logger,
  );
  if (!double) throw new Error('the double did not start');
  const started = { stack, double, portal: await TestPortal.discover(stack), logs };
  open.push(started);
  await stack.seedAccount({ name: 'Zoe & Co', email: REGISTERED, customerNumber: '300001' });
  return started;
}

afterAll(async () => {
  await Promise.all(open.map((s) => s.stack.close()));
});

const generic: DoubleStarter = (redirectUri) =>
  startGenericOidcDouble({ redirectUri, clientId: 'identity-broker', users: [ZOE] });

/** Portal → broker → the double's login page → signed in; returns the page the broker answered with. */
async function firstLogin({ portal }: Started, browser = new TestBrowser(), user = ZOE): Promise<Page> {
  const attempt = await portal.authorizationRequest();
  const page = await browser.navigate(attempt.url.href, {}, portal.redirectUri);
  if (!isLoginPage(page)) return page;
  return logInAt(browser, page, portal.redirectUri, user);
}

function failureLogged(logs: Array<Record<string, unknown>>, cause: string): Record<string, unknown> | undefined {
  return logs.find((line) => line.cause === cause && typeof line.msg === 'string' && line.msg.startsWith('upstream'));
}

/** The failure counter as an operator's scraper reads it, from the management application's /metrics. */
async function failuresCounted({ stack }: Started, upstream: string, cause: string): Promise<number> {
  const scraper = await listenOnLoopback();
  scraper.server.on('request', stack.broker.managementApp.callback());
  try {
    const text = await (await fetch(`${scraper.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`broker_upstream_failures_total{upstream="${upstream}",cause="${cause}"}`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  } finally {
    await closeServer(scraper.server);
  }
}

/** What a person sees: the provider named, and the way back to the portal. */
function expectPageNamingProvider(page: Page, heading: string): void {
  expect(headingOf(page.html)).toBe(heading);
  expect(formsOf(page.html)).toEqual([]);
  expect(page.html).toContain(`href="${PORTAL_HOME}"`);
  expect(textContent(page.html)).toContain('Back to CustomerSource');
}

describe('an upstream that fails ends on a page naming it, with the way back, and a log line with the reason', () => {
  it('refuses an ID token from another issuer', async () => {
    const started = await start('acme', 'Acme ID', generic);
    started.double.behaviour.idTokenIssuer = 'http://127.0.0.1:1/evil';
    const page = await firstLogin(started);
    expect(page.status).toBe(502);
    expectPageNamingProvider(page, 'Acme ID is not available');
    const logged = failureLogged(started.logs, 'invalid-response');
    expect(logged?.failure).toMatchObject({
      code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      cause: expect.stringContaining('"iss"'),
    });
    expect(await failuresCounted(started, 'acme', 'invalid-response')).toBe(1);
  });

  it('refuses a discovery document that names another issuer than the configured one, although discoveryUrl is set', async () => {
    const started = await start('acme', 'Acme ID', generic, (entry) => ({
      ...entry,
      issuer: `${String(entry.issuer)}-other`,
    }));
    const page = await firstLogin(started);
    expectPageNamingProvider(page, 'Acme ID is not available');
    expect(JSON.stringify(failureLogged(started.logs, 'issuer')?.failure)).toContain('names issuer');
    expect(started.double.authentications).toEqual([]);
  });

  it('says so when the discovery document cannot be fetched, and works again once it can, without a restart', async () => {
    const started = await start('acme', 'Acme ID', generic);
    started.double.behaviour.discoveryDown = true;
    const down = await firstLogin(started);
    expect(down.status).toBe(502);
    expectPageNamingProvider(down, 'Acme ID is not available');
    expect(failureLogged(started.logs, 'discovery')?.failure).toMatchObject({
      name: expect.any(String),
      message: expect.any(String),
    });

    started.double.behaviour.discoveryDown = false;
    expect(headingOf((await firstLogin(started)).html)).toBe('Associate your account');
  });

  it('reports a client secret the provider refuses (401 from its token endpoint)', async () => {
    const started = await start('acme', 'Acme ID', generic, (entry) => ({ ...entry, clientSecret: 'not-the-secret' }));
    const page = await firstLogin(started);
    expectPageNamingProvider(page, 'Acme ID is not available');
    expect(failureLogged(started.logs, 'client-auth')?.failure).toMatchObject({
      name: 'WWWAuthenticateChallengeError',
      status: 401,
    });
    expect(JSON.stringify(started.logs)).not.toContain('not-the-secret');
  });

  it('reports an Apple client secret signed with a key Apple does not know', async () => {
    const otherKey = await createAppleClientKey();
    const started = await start(
      'apple',
      'Apple',
      async (redirectUri) =>
        startAppleDouble({
          redirectUri,
          clientId: 'com.example.broker',
          users: [ZOE],
          clientKey: await createAppleClientKey(),
        }),
      (entry) => ({ ...entry, apple: { ...(entry.apple as object), privateKeyFile: otherKey.privateKeyFile } }),
    );
    const page = await firstLogin(started);
    expectPageNamingProvider(page, 'Apple is not available');
    expect(failureLogged(started.logs, 'client-auth')?.failure).toMatchObject({ error: 'invalid_client' });
  });

  it('refuses a Microsoft ID token of another tenant', async () => {
    const started = await start('msa', 'Microsoft', (redirectUri) =>
      startMicrosoftDouble({ redirectUri, clientId: 'identity-broker', users: [ZOE] }),
    );
    Object.assign(started.double.behaviour, { tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' });
    const page = await firstLogin(started);
    expectPageNamingProvider(page, 'Microsoft is not available');
    expect(JSON.stringify(failureLogged(started.logs, 'tenant')?.failure)).toContain('72f988bf');
  });

  it('confirms nothing when the provider proves no fresh authentication (Google without session age claims)', async () => {
    const started = await start('google', 'Google', (redirectUri) =>
      startGoogleDouble({ redirectUri, clientId: 'identity-broker', users: [ZOE] }),
    );
    const browser = new TestBrowser();
    const associate = await firstLogin(started, browser);
    await browser.submit(associate, '/associate', { email: REGISTERED }, started.portal.redirectUri);
    const [mail] = await started.stack.deliverMail();
    const link = /(http:\/\/127\.0\.0\.1:\d+\/link\?token=[A-Za-z0-9_-]{43})/.exec(mail?.text ?? '')?.[1] ?? '';

    // Same browser: Google answers max_age=0 from its session, without auth_time.
    const linkPage = await browser.navigate(link);
    const refused = await browser.submit(linkPage, '/link/confirm', {}, started.portal.redirectUri);
    expect(refused.status).toBe(401);
    expect(headingOf(refused.html)).toBe('Please sign in again');
    expect(textContent(refused.html)).toContain('Google did not ask you to sign in again');
    expect(failureLogged(started.logs, 'auth-time')).toBeDefined();
    expect(await identityModel(started.stack.db).countDocuments({ subject: ZOE.sub })).toBe(0);
  });
});

describe('what the provider says about the person is data, bounded', () => {
  const PHISHING = `IMPORTANT: your account is locked - call +1 555 0100 or visit https://evil.example/unlock ${'x'.repeat(10_000)}`;

  async function associationMail(started: Started, user: DoubleUser): Promise<SentMail> {
    const browser = new TestBrowser();
    const associate = await firstLogin(started, browser, user);
    expect(headingOf(associate.html)).toBe('Associate your account');
    expect(associate.html).not.toContain('evil.example');
    await browser.submit(associate, '/associate', { email: REGISTERED }, started.portal.redirectUri);
    const [mail] = await started.stack.deliverMail();
    if (!mail) throw new Error('no e-mail was sent');
    return mail;
  }

  it('puts neither a 10 kB nor a phishing-worded name into the e-mail in full', async () => {
    const mallory: DoubleUser = { sub: 'mallory-1', email: '', name: PHISHING, password: 'pw' };
    const started = await start('acme', 'Acme ID', (redirectUri) =>
      startGenericOidcDouble({ redirectUri, clientId: 'identity-broker', users: [mallory] }),
    );
    const mail = await associationMail(started, mallory);
    expect(mail.text).toContain(
      'The sign-in "IMPORTANT: your account is locked - cal…" at Acme ID asked to be associated',
    );
    for (const part of [mail.text, mail.html]) {
      expect(part).not.toContain('evil.example');
      expect(part).not.toContain('555 0100');
      expect(part.length).toBeLessThan(4_000);
    }
  });

  it('asks userinfo for the address when the ID token has none, and names the sign-in by it, masked', async () => {
    const started = await start('acme', 'Acme ID', generic);
    Object.assign(started.double.behaviour, { thinIdToken: true });
    const mail = await associationMail(started, ZOE);
    expect(mail.text).toContain('The sign-in "z***@example.net" at Acme ID asked to be associated');
    expect(mail.text).not.toContain('zoe-0001');
  });
});
