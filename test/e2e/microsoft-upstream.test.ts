import type { Browser, Page } from 'playwright-core';
import type { DoubleUser, UpstreamDouble } from '../support/upstream-doubles/contract.ts';
import { startGenericOidcDouble } from '../support/upstream-doubles/generic-oidc.ts';
import { startMicrosoftDouble, type MicrosoftBehaviour } from '../support/upstream-doubles/microsoft.ts';
import { launchChromium, openBrowserSession, type BrowserSession } from './support/chromium.ts';
import { startProviderE2eStack, upstreamParty, type ProviderE2eStack } from './support/provider-e2e-stack.ts';
import { clickPortalSignIn, expectHeading, openPortal, portalClaims, visibleText } from './support/steps.ts';
import { StoryRecorder } from './support/story-recorder.ts';
import { e2eLocale, TEXTS, type Locale } from './support/texts.ts';

// The customer's story with Microsoft as the upstream, in Chromium. Microsoft's authorization endpoint sends the
// browser on to a login page on another origin (login.live.com, played by the double's second server). Chromium
// checks CSP form-action on every redirect that follows a form submission, so the broker's two pages whose
// buttons lead upstream — the provider choice and the e-mailed link's confirm page — must let that chain through
// (src/http/middleware/forms-lead-upstream.ts). A block leaves the browser on the broker's page and logs a
// "Content Security Policy" message, which this test watches for through the whole story.

const locale = e2eLocale();
const t = TEXTS[locale];
/** The provider choice page, which texts.ts does not cover (the Demo ID stack has one upstream, so no choice). */
const CHOICE: Record<
  Locale,
  { heading: (clientName: string) => string; continueWith: (upstreamName: string) => string }
> = {
  en: {
    heading: (clientName) => `Sign in to ${clientName}`,
    continueWith: (upstreamName) => `Continue with ${upstreamName}`,
  },
  de: {
    heading: (clientName) => `Anmeldung bei ${clientName}`,
    continueWith: (upstreamName) => `Weiter mit ${upstreamName}`,
  },
};
const choice = CHOICE[locale];

/** The Microsoft double's login page (a test party, English only). */
const MICROSOFT_LOGIN_HEADING = 'Sign in to your Microsoft account';
const MICROSOFT = { id: 'microsoft', name: 'Microsoft' };
const ACME = { id: 'acme', name: 'Acme ID' };
const carolAtMicrosoft: DoubleUser = {
  sub: 'AAAAAAAAAAAAAAAAAAAAAHcarolPairwiseSub',
  email: 'carol@outlook.example',
  name: 'Carol Example',
  password: 'carol-microsoft-password',
};
const CAROL_REGISTERED = 'office@carol-and-co.example';
const CAROL_CUSTOMER_NUMBER = '100003';
/** Three sign-ins through three origins, five axe runs and an e-mail, on a machine that may be running other tests. */
const STORY_TIMEOUT = 90_000;

let e2e: ProviderE2eStack;
let microsoft: UpstreamDouble<MicrosoftBehaviour>;
let browser: Browser;
let carolAccount: string;

beforeAll(async () => {
  e2e = await startProviderE2eStack(async (brokerUrl) => {
    const callback = (id: string) => `${brokerUrl}/upstream/${id}/callback`;
    microsoft = await startMicrosoftDouble({
      redirectUri: callback(MICROSOFT.id),
      clientId: 'broker-at-microsoft',
      users: [carolAtMicrosoft],
    });
    const acme = await startGenericOidcDouble({
      redirectUri: callback(ACME.id),
      clientId: 'broker-at-acme',
      users: [],
    });
    return [upstreamParty(microsoft, MICROSOFT.id, MICROSOFT.name), upstreamParty(acme, ACME.id, ACME.name)];
  });
  browser = await launchChromium();
  carolAccount = await e2e.stack.seedAccount({
    name: 'Carol & Co',
    email: CAROL_REGISTERED,
    customerNumber: CAROL_CUSTOMER_NUMBER,
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await e2e?.close();
});

const microsoftOrigin = () => new URL(microsoft.issuer).origin;
const isAuthorizationRequest = (url: URL) =>
  url.origin === microsoftOrigin() && url.pathname === '/consumers/oauth2/v2.0/authorize';

/**
 * Asserts that, since `from` (positions in the session's lists), the browser went to Microsoft's authorization
 * endpoint, was redirected straight on to a login page on an origin of its own (neither the broker's, the
 * portal's nor the authorization endpoint's), and was shown that page.
 */
function expectMicrosoftLoginShown(session: BrowserSession, from: Positions): void {
  const hops = session.navigations.slice(from.navigations);
  const authorization = hops.findIndex(isAuthorizationRequest);
  const loginPage = authorization >= 0 ? hops[authorization + 1] : undefined;
  if (!loginPage)
    throw new Error(`no redirect from Microsoft's authorization endpoint among ${JSON.stringify(hrefs(hops))}`);
  expect([e2e.stack.brokerUrl, e2e.customerSource.url, microsoftOrigin()]).not.toContain(loginPage.origin);
  expect(loginPage.pathname).toBe('/login');
  expect(hrefs(session.shownPages.slice(from.shownPages))).toContain(loginPage.href);
}

interface Positions {
  navigations: number;
  shownPages: number;
}
const positions = ({ navigations, shownPages }: BrowserSession): Positions => ({
  navigations: navigations.length,
  shownPages: shownPages.length,
});
const hrefs = (urls: URL[]) => urls.map((url) => url.href);

/**
 * What Chromium reports of Content-Security-Policy violations in the watched tabs. A form-action block is not an
 * error page: the browser stays where it was, so a step waiting for the next page would only time out. `unblocked`
 * names the block instead.
 */
class CspWatch {
  readonly messages: string[] = [];

  watch(page: Page): void {
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) this.messages.push(`${page.url()}: ${message.text()}`);
    });
  }

  /** The step's result; when it fails after a CSP violation, the failure lists the violations. */
  async unblocked<T>(step: Promise<T>): Promise<T> {
    try {
      return await step;
    } catch (error) {
      expect(this.messages).toEqual([]);
      throw error;
    }
  }
}

async function signInAtMicrosoft(page: Page, user: DoubleUser, recorder: StoryRecorder, csp: CspWatch): Promise<void> {
  await csp.unblocked(expectHeading(page, MICROSOFT_LOGIN_HEADING));
  await recorder.page(page, 'Microsoft login');
  await page.locator('#email').fill(user.email);
  await page.locator('#password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** The broker's provider choice: a form per upstream, each POSTing to the broker, which redirects upstream. */
async function chooseMicrosoft(page: Page, recorder: StoryRecorder, name: string): Promise<void> {
  await expectHeading(page, choice.heading(e2e.customerSource.name));
  await recorder.brokerPage(page, name);
  expect(await page.getByRole('button', { name: choice.continueWith(ACME.name) }).isVisible()).toBe(true);
  await page.getByRole('button', { name: choice.continueWith(MICROSOFT.name) }).click();
}

function linkIn(text: string): string {
  const match = /(http:\/\/127\.0\.0\.1:\d+\/link\?token=[A-Za-z0-9_-]+)/.exec(text);
  if (!match?.[1]) throw new Error(`no association link in the e-mail:\n${text}`);
  return match[1];
}

describe(`the customer's story with Microsoft in Chromium (${locale})`, () => {
  const title =
    'first login through Microsoft, whose login page is on another origin, associates through the e-mailed link';
  it(
    title,
    async () => {
      const recorder = new StoryRecorder(locale === 'en' ? title : `${locale} ${title}`, { locale });
      const csp = new CspWatch();
      const sessions: BrowserSession[] = [];
      const openSession = async () => {
        const session = await openBrowserSession(browser, t.browserLocale);
        sessions.push(session);
        csp.watch(session.page);
        return session;
      };
      const { customerSource, stack } = e2e;

      try {
        // The first browser: portal → the broker's choice → Microsoft → its login page elsewhere → "Associate".
        const first = await openSession();
        await openPortal(first.page, customerSource, recorder);
        await clickPortalSignIn(first.page);
        const beforeFirstLogin = positions(first);
        await chooseMicrosoft(first.page, recorder, 'choose a sign-in');
        await signInAtMicrosoft(first.page, carolAtMicrosoft, recorder, csp);
        await csp.unblocked(expectHeading(first.page, t.associate.heading));
        expectMicrosoftLoginShown(first, beforeFirstLogin);
        // An ordinary sign-in: the broker asks for no fresh authentication.
        expect(microsoft.authorizationRequests.at(-1)?.prompt).toBeUndefined();
        await recorder.brokerPage(first.page, 'associate your account');
        await first.page.getByLabel(t.associate.emailLabel).fill(CAROL_REGISTERED);
        await first.page.getByRole('button', { name: t.associate.submit }).click();
        await expectHeading(first.page, t.associationSent.heading);
        await recorder.brokerPage(first.page, 'thank you');
        expect(await visibleText(first.page)).toContain(t.associationSent.text('o***@carol-and-co.example'));

        const mails = await stack.deliverMail();
        expect(mails.map((mail) => mail.to)).toEqual([CAROL_REGISTERED]);
        const link = linkIn(mails[0]!.text);

        // The link opened where the e-mail is read: the confirm button POSTs, the broker answers 303 to Microsoft,
        // which answers 302 to its login page — a chain the confirm page's form-action must allow.
        const mailReader = await openSession();
        await mailReader.page.goto(link);
        await expectHeading(mailReader.page, t.linkConfirm.heading);
        await recorder.brokerPage(mailReader.page, 'confirm the association');
        const beforeConfirmation = positions(mailReader);
        const authenticationsBefore = microsoft.authentications.length;
        await mailReader.page.getByRole('button', { name: t.linkConfirm.confirm(MICROSOFT.name) }).click();
        await signInAtMicrosoft(mailReader.page, carolAtMicrosoft, recorder, csp);
        await csp.unblocked(expectHeading(mailReader.page, t.associationLinked.heading));
        expectMicrosoftLoginShown(mailReader, beforeConfirmation);
        // Microsoft documents prompt=login as always asking for credentials, and max_age not at all.
        expect(microsoft.authorizationRequests.at(-1)).toMatchObject({ prompt: 'login' });
        expect(microsoft.authorizationRequests.at(-1)).not.toHaveProperty('max_age');
        expect(microsoft.authentications.length).toBe(authenticationsBefore + 1);
        await recorder.brokerPage(mailReader.page, 'your sign-in is associated');
        expect(await visibleText(mailReader.page)).toContain(t.associationLinked.text('Carol & Co'));

        // Back in the first browser: the choice again, Microsoft answers from its session, the portal has the account.
        await openPortal(first.page, customerSource, recorder);
        await clickPortalSignIn(first.page);
        const beforeSecondLogin = positions(first);
        await chooseMicrosoft(first.page, recorder, 'choose a sign-in again');
        const claims = await csp.unblocked(portalClaims(first.page, customerSource, recorder));
        expect(claims).toMatchObject({ customer_number: CAROL_CUSTOMER_NUMBER, email: CAROL_REGISTERED });
        // The sub is the person carol became, not the account (colleagues of one customer get their own).
        expect(claims.sub).not.toBe(carolAccount);
        expect(first.navigations.slice(beforeSecondLogin.navigations).some(isAuthorizationRequest)).toBe(true);
        // No prompt=login for an ordinary sign-in: Microsoft's session answered, its login page was not shown.
        const ours = [stack.brokerUrl, customerSource.url];
        const shownElsewhere = first.shownPages
          .slice(beforeSecondLogin.shownPages)
          .filter((url) => !ours.includes(url.origin));
        expect(hrefs(shownElsewhere)).toEqual([]);
        expect(csp.messages).toEqual([]);
      } finally {
        await Promise.allSettled(sessions.map((session) => session.context.close()));
      }
      recorder.assertAccessible();
    },
    STORY_TIMEOUT,
  );
});
