import { decodeJwt } from 'jose';
import { TestBrowser, formsOf, headingOf } from '../support/browser.ts';
import { TestPortal } from '../support/portal.ts';
import { isLoginPage, logInUpstream as logInAt } from './support/upstream-login.ts';
import { startProviderStack, type ProviderStack } from '../support/provider-stack.ts';
import { linkIn } from '../support/sendgrid-sink.ts';
import { createAppleClientKey } from '../support/upstream-doubles/apple-client-key.ts';
import { startAppleDouble } from '../support/upstream-doubles/apple.ts';
import type { DoubleUser, UpstreamDouble } from '../support/upstream-doubles/contract.ts';
import { startGenericOidcDouble } from '../support/upstream-doubles/generic-oidc.ts';
import { startGoogleDouble } from '../support/upstream-doubles/google.ts';
import { startMicrosoftDouble } from '../support/upstream-doubles/microsoft.ts';

const ZOE: DoubleUser = { sub: 'zoe-0001', email: 'zoe@example.net', name: 'Zoe Example', password: 'zoe-pw' };
const REGISTERED = 'office@zoe-and-co.example';
const UPSTREAM_CLIENT_ID = 'identity-broker';

interface ProviderCase {
  label: string;
  id: string;
  name: string;
  start(redirectUri: string): Promise<UpstreamDouble>;
  /** What the link's confirm button must ask this provider for (its documented way to force a login). */
  confirmationAsks: Record<string, string | null>;
}

const PROVIDERS: ProviderCase[] = [
  {
    label: 'Microsoft personal accounts (issuer ≠ discovery URL, login page on a third origin, no auth_time)',
    id: 'msa',
    name: 'Microsoft',
    start: (redirectUri) => startMicrosoftDouble({ redirectUri, clientId: UPSTREAM_CLIENT_ID, users: [ZOE] }),
    confirmationAsks: { prompt: 'login', max_age: null },
  },
  {
    label: 'Google with session age claims (auth_time) enabled',
    id: 'google',
    name: 'Google',
    async start(redirectUri) {
      const double = await startGoogleDouble({ redirectUri, clientId: UPSTREAM_CLIENT_ID, users: [ZOE] });
      Object.assign(double.behaviour, { includeAuthTime: true, honourMaxAge: true });
      return double;
    },
    confirmationAsks: { prompt: null, max_age: '0' },
  },
  {
    label: 'Apple (form_post, signed client secret, name only on the first authorization)',
    id: 'apple',
    name: 'Apple',
    start: async (redirectUri) =>
      startAppleDouble({
        redirectUri,
        clientId: 'com.example.broker',
        users: [ZOE],
        clientKey: await createAppleClientKey(),
      }),
    confirmationAsks: { prompt: null, max_age: null },
  },
  {
    label: 'a standard OpenID provider behind an aliased discovery URL',
    id: 'acme',
    name: 'Acme ID',
    start: (redirectUri) => startGenericOidcDouble({ redirectUri, clientId: UPSTREAM_CLIENT_ID, users: [ZOE] }),
    confirmationAsks: { prompt: 'login', max_age: '0' },
  },
];

/** Signs in at a double's login page; submits a form_post answer (Apple) to the broker as the browser's script would. */
async function startWith(provider: ProviderCase): Promise<{ stack: ProviderStack; double: UpstreamDouble }> {
  let double: UpstreamDouble | undefined;
  const stack = await startProviderStack(async (brokerUrl) => {
    double = await provider.start(`${brokerUrl}/upstream/${provider.id}/callback`);
    const started = double;
    return [{ entry: started.upstreamConfig(provider.id, provider.name), close: () => started.close() }];
  });
  if (!double) throw new Error('the double did not start');
  return { stack, double };
}

describe.each(PROVIDERS)('signing in with $label', (provider) => {
  let stack: ProviderStack;
  let portal: TestPortal;

  beforeAll(async () => {
    ({ stack } = await startWith(provider));
    portal = await TestPortal.discover(stack);
    await stack.seedAccount({ name: 'Zoe & Co', email: REGISTERED, customerNumber: '200001' });
  });
  afterAll(() => stack.close());

  it('walks first login, association through the e-mailed link in a fresh browser, and a second login', async () => {
    const browser = new TestBrowser();
    const first = await portal.authorizationRequest();
    const login = await browser.navigate(first.url.href, {}, portal.redirectUri);
    expect(isLoginPage(login)).toBe(true);
    const associate = await logInAt(browser, login, portal.redirectUri, ZOE);
    expect(headingOf(associate.html)).toBe('Associate your account');

    const thanks = await browser.submit(associate, '/associate', { email: REGISTERED }, portal.redirectUri);
    expect(headingOf(thanks.html)).toBe('Thank you');
    const [mail, ...more] = await stack.deliverMail();
    expect(more).toEqual([]);
    expect(mail?.to).toBe(REGISTERED);
    // The sign-in is named by its masked address (from the ID token, or userinfo where the token has none).
    expect(mail?.text).toContain(`The sign-in "z***@example.net" at ${provider.name}`);

    const fresh = new TestBrowser();
    const linkPage = await fresh.navigate(linkIn(mail!));
    expect(headingOf(linkPage.html)).toBe('Confirm the association');
    const confirm = formsOf(linkPage.html).find((f) => f.action === '/link/confirm');
    const pressed = await fresh.request(new URL('/link/confirm', linkPage.url).href, { form: confirm?.fields ?? {} });
    const upstream = new URL(pressed.headers.get('location') ?? '');
    for (const [parameter, value] of Object.entries(provider.confirmationAsks)) {
      expect([parameter, upstream.searchParams.get(parameter)]).toEqual([parameter, value]);
    }
    const again = await fresh.navigate(upstream.href, {}, portal.redirectUri);
    expect(isLoginPage(again)).toBe(true);
    const linked = await logInAt(fresh, again, portal.redirectUri, ZOE);
    expect(headingOf(linked.html)).toBe('Your sign-in is associated');

    const second = await portal.authorizationRequest();
    let back = await browser.navigate(second.url.href, {}, portal.redirectUri);
    if (isLoginPage(back)) back = await logInAt(browser, back, portal.redirectUri, ZOE);
    expect(back.url.startsWith(portal.redirectUri)).toBe(true);
    const tokens = await portal.exchange(back.url, second);
    expect(tokens.claims()).toMatchObject({ customer_number: '200001', email: REGISTERED });
  });
});

describe('what the broker says about when the person authenticated upstream', () => {
  let stack: ProviderStack;
  let double: UpstreamDouble;
  let portal: TestPortal;
  const acme = PROVIDERS.find((p) => p.id === 'acme')!;
  const seconds = () => Math.floor(Date.now() / 1000);
  const pause = () => new Promise((resolve) => setTimeout(resolve, 1_100));

  beforeAll(async () => {
    ({ stack, double } = await startWith(acme));
    portal = await TestPortal.discover(stack);
    await stack.seedLinkedIdentity({
      upstreamId: 'acme',
      issuer: double.issuer,
      subject: ZOE.sub,
      customerNumber: '200002',
      email: REGISTERED,
    });
  });
  afterAll(() => stack.close());

  async function signIn(
    browser: TestBrowser,
    parameters: Record<string, string>,
  ): Promise<{ authTime: unknown; loginShown: boolean }> {
    const attempt = await portal.authorizationRequest(parameters);
    let page = await browser.navigate(attempt.url.href, {}, portal.redirectUri);
    const loginShown = isLoginPage(page);
    if (loginShown) page = await logInAt(browser, page, portal.redirectUri, ZOE);
    const tokens = await portal.exchange(page.url, attempt);
    return { authTime: decodeJwt(tokens.id_token ?? '').auth_time, loginShown };
  }

  it("keeps the upstream's auth_time, and forwards a portal's prompt=login and max_age=0 so that it is later", async () => {
    const browser = new TestBrowser();
    const first = await signIn(browser, { max_age: '3600' });
    expect(first.loginShown).toBe(true);
    expect(first.authTime).toBe(double.authentications.at(-1)?.at);

    await pause();
    const silent = await signIn(browser, { max_age: '3600' });
    expect(silent).toEqual({ authTime: first.authTime, loginShown: false });

    await pause();
    const stepUp = await signIn(browser, { prompt: 'login', max_age: '3600' });
    expect(stepUp.loginShown).toBe(true);
    expect(double.authorizationRequests.at(-1)).toMatchObject({ prompt: 'login', max_age: '0' });
    expect(stepUp.authTime).toBe(double.authentications.at(-1)?.at);
    expect(Number(stepUp.authTime)).toBeGreaterThan(Number(first.authTime));

    await pause();
    const maxAgeZero = await signIn(browser, { max_age: '0' });
    expect(maxAgeZero.loginShown).toBe(true);
    expect(Number(maxAgeZero.authTime)).toBeGreaterThan(Number(stepUp.authTime));
    expect(Number(maxAgeZero.authTime)).toBeLessThanOrEqual(seconds());
  });
});
