import type { Browser, Page } from 'playwright-core';
import { identityModel } from '../../src/accounts/identity-model.ts';
import { membershipModel } from '../../src/accounts/membership-model.ts';
import { supportRequestModel } from '../../src/support-requests/support-request-model.ts';
import { pendingAssociationModel } from '../../src/linking/pending-association-model.ts';
import { demoUser, UPSTREAM_CLIENT } from '../support/stack.ts';
import { launchChromium } from './support/chromium.ts';
import { scenarioTests } from './support/scenario.ts';
import type { StoryRecorder } from './support/story-recorder.ts';
import { startE2eStack, SUPPORT_ADDRESS, type E2eStack, type SentMail } from './support/e2e-stack.ts';
import {
  clickPortalSignIn,
  DEMO_ID_LOGIN_HEADING,
  expectHeading,
  openPortal,
  portalClaims,
  portalError,
  signInAtDemoId,
} from './support/steps.ts';
import { e2eLocale, TEXTS } from './support/texts.ts';

// The customer's pages that the story and experience tests do not pass, each screenshotted at a desktop's and a
// phone's size (test-artifacts/screenshots/<locale>/), checked for sideways overflow and by axe-core: "This wasn't
// me", link problems, the provider choice, a provider that cannot be reached or was cancelled, an expired sign-in,
// error pages, "Ask support", consent and signing out. A second upstream that never answers makes the provider
// choice and its "not available" page appear.

const alice = demoUser('alice');
const carol = demoUser('carol');
const CAROL_REGISTERED = 'office@carol-and-co.example';
const locale = e2eLocale();
const t = TEXTS[locale];
const p = t.pages;
const DEMO_ID = 'Demo ID';
const BACKUP_ID = 'Backup ID';

let e2e: E2eStack;
let browser: Browser;

beforeAll(async () => {
  e2e = await startE2eStack(({ upstreamUrl }) => ({
    upstreams: [
      { id: 'demo', name: DEMO_ID, issuer: upstreamUrl, ...UPSTREAM_CLIENT },
      // Port 9 (discard) on loopback: nothing answers, so its discovery fails as an outage would.
      {
        id: 'backup',
        name: BACKUP_ID,
        issuer: 'http://127.0.0.1:9',
        clientId: 'broker',
        clientSecret: 'backup-secret',
      },
    ],
  }));
  browser = await launchChromium();
  await e2e.stack.seedAccount({ name: 'Carol & Co', email: CAROL_REGISTERED, customerNumber: '100003' });
  await e2e.stack.seedLinkedAccount(alice, { email: 'accounts@alice-corp.example' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await e2e?.close();
});

const scenario = scenarioTests({
  browser: () => browser,
  locale,
  browserLocale: t.browserLocale,
  prefix: 'pages',
  timeout: 90_000,
});

function linkIn(mail: SentMail, path: string): string {
  const match = new RegExp(`(http://127\\.0\\.0\\.1:\\d+${path.replace('/', '\\/')}\\?token=[A-Za-z0-9_-]{43})`).exec(
    mail.text,
  );
  if (!match?.[1]) throw new Error(`no ${path} link in the e-mail:\n${mail.text}`);
  return match[1];
}

async function forgetCarol(): Promise<void> {
  const people = (await identityModel(e2e.stack.db).find({ subject: carol.sub }).lean()).map(
    (identity) => identity.personId,
  );
  await identityModel(e2e.stack.db).deleteMany({ subject: carol.sub });
  await membershipModel(e2e.stack.db).deleteMany({ personId: { $in: people } });
  await pendingAssociationModel(e2e.stack.db).deleteMany({ subject: carol.sub });
  await e2e.stack.directoryChanged();
  await e2e.deliverMail();
}

async function carolsMemberships(): Promise<number> {
  const [account] = await e2e.stack.db.collection('accounts').find({ customerNumber: '100003' }).toArray();
  return membershipModel(e2e.stack.db).countDocuments({ accountId: account?._id });
}

/** Portal → "Sign in" → the provider choice → Demo ID → the broker's association page, as `user`. */
async function signInThroughChoice(page: Page, recorder: StoryRecorder, user = carol): Promise<void> {
  await openPortal(page, e2e.customerSource, recorder);
  await clickPortalSignIn(page);
  await page.getByRole('button', { name: p.continueWith(DEMO_ID) }).click();
  await signInAtDemoId(page, user, recorder);
}

/** Carol asks for the association and gets the e-mailed link. */
async function requestLink(page: Page, recorder: StoryRecorder): Promise<string> {
  await signInThroughChoice(page, recorder);
  await expectHeading(page, t.associate.heading);
  await page.getByLabel(t.associate.emailLabel).fill(CAROL_REGISTERED);
  await page.getByRole('button', { name: t.associate.submit }).click();
  await expectHeading(page, t.associationSent.heading);
  const mails = await e2e.deliverMail();
  return linkIn(
    mails.find((m) => m.to === CAROL_REGISTERED)!,
    '/link',
  );
}

describe(`every customer page at a desktop's and a phone's size (${locale})`, () => {
  scenario(
    "this wasn't me: the notice's link asks, then removes the sign-in and signs it out everywhere",
    async ({ recorder, openSession }) => {
      await forgetCarol();
      const carols = await openSession();
      const { page } = carols;
      await openPortal(page, e2e.customerSource, recorder);
      await clickPortalSignIn(page);
      await page.getByRole('button', { name: p.continueWith(DEMO_ID) }).waitFor();
      await recorder.brokerPage(page, 'choose how to sign in');
      await page.getByRole('button', { name: p.continueWith(DEMO_ID) }).click();
      await signInAtDemoId(page, carol, recorder);
      await expectHeading(page, t.associate.heading);
      await page.getByLabel(t.associate.emailLabel).fill(CAROL_REGISTERED);
      await page.getByRole('button', { name: t.associate.submit }).click();
      await expectHeading(page, t.associationSent.heading);
      const link = linkIn(
        (await e2e.deliverMail()).find((m) => m.to === CAROL_REGISTERED)!,
        '/link',
      );
      await page.goto(link);
      await page.getByRole('button', { name: t.linkConfirm.confirm(DEMO_ID) }).click();
      await signInAtDemoId(page, carol, recorder);
      await expectHeading(page, t.associationLinked.heading);
      await page.getByRole('link', { name: t.associationLinked.continue }).click();
      await portalClaims(page, e2e.customerSource, recorder);

      // The notice reaches the registered address, whose owner did not do this.
      const notice = (await e2e.deliverMail()).find((m) => m.to === CAROL_REGISTERED);
      if (!notice) throw new Error('no notice after the association');
      const owner = await openSession();
      await owner.page.goto(linkIn(notice, '/link/not-me'));
      await expectHeading(owner.page, p.disown);
      await recorder.brokerPage(owner.page, "this wasn't me");
      // Asking changed nothing yet: Carol's portal still gets codes without a login.
      expect(await carolsMemberships()).toBe(1);
      await owner.page.getByRole('button', { name: p.disownConfirm }).click();
      await expectHeading(owner.page, p.disowned);
      await recorder.brokerPage(owner.page, "this wasn't me, done");
      await owner.page.reload();
      await expectHeading(owner.page, p.disowned);

      // Carol's browser session at the broker is over: a silent sign-in of the portal is refused.
      await page.goto(`${e2e.customerSource.url}/login?prompt=none`);
      expect(await portalError(page, e2e.customerSource, recorder)).toContain('login_required');
      expect(await carolsMemberships()).toBe(0);
      expect(
        await supportRequestModel(e2e.stack.db).countDocuments({ subject: carol.sub, replyTo: CAROL_REGISTERED }),
      ).toBe(1);
      expect((await e2e.deliverMail()).map((m) => m.to)).toEqual([SUPPORT_ADDRESS]);
    },
  );

  scenario(
    'link problems: cancelled at the provider, cancelled by the recipient, not valid',
    async ({ recorder, openSession }) => {
      await forgetCarol();
      const link = await requestLink((await openSession()).page, recorder);
      const { page } = await openSession();
      await page.goto(link);
      await expectHeading(page, t.linkConfirm.heading);
      await page.getByRole('button', { name: t.linkConfirm.confirm(DEMO_ID) }).click();
      await expectHeading(page, DEMO_ID_LOGIN_HEADING);
      await page.getByRole('button', { name: 'Cancel' }).click();
      await expectHeading(page, p.upstreamDenied);
      await recorder.brokerPage(page, 'sign-in cancelled at the provider');

      await page.goto(link);
      await page.getByRole('button', { name: p.linkCancel }).click();
      await expectHeading(page, p.linkCancelledHeading);
      await recorder.brokerPage(page, 'request cancelled');
      await page.goto(link);
      await expectHeading(page, p.linkCancelledProblem);
      await recorder.brokerPage(page, 'link cancelled');
      await page.goto(link.replace(/token=.*/, `token=${'A'.repeat(43)}`));
      await expectHeading(page, p.linkNotFound);
      await recorder.brokerPage(page, 'link not valid');
    },
  );

  scenario(
    'a superseded link and a used link name the portal that asked and lead back to it',
    async ({ recorder, openSession }) => {
      await forgetCarol();
      const older = await requestLink((await openSession()).page, recorder);
      const newer = await requestLink((await openSession()).page, recorder);
      const { page } = await openSession();
      const backToPortal = async (heading: string, name: string) => {
        await page.goto(heading === p.linkSupersededProblem ? older : newer);
        await expectHeading(page, heading);
        expect((await page.locator('header.portal').innerText()).trim()).toBe(e2e.customerSource.name);
        await recorder.brokerPage(page, name);
        await page.getByRole('link', { name: p.backTo(e2e.customerSource.name) }).click();
        await expectHeading(page, e2e.customerSource.name);
      };
      await backToPortal(p.linkSupersededProblem, 'link superseded');

      await page.goto(newer);
      await page.getByRole('button', { name: t.linkConfirm.confirm(DEMO_ID) }).click();
      await signInAtDemoId(page, carol, recorder);
      await expectHeading(page, t.associationLinked.heading);
      await backToPortal(p.linkUsedProblem, 'link used');
    },
  );

  scenario('asking support from the association page', async ({ recorder, openSession }) => {
    await forgetCarol();
    const { page } = await openSession();
    await signInThroughChoice(page, recorder);
    await expectHeading(page, t.associate.heading);
    await page.getByText(p.supportSummary).click();
    await page.getByLabel(p.supportMessageLabel).fill('I do not know which address my company registered.');
    await recorder.brokerPage(page, 'associate your account, asking support');
    await page.getByRole('button', { name: p.supportSubmit }).click();
    await expectHeading(page, p.supportSent);
    await recorder.brokerPage(page, 'support request sent');
  });

  scenario(
    'a provider that cannot be reached, an expired sign-in and error pages',
    async ({ recorder, openSession }) => {
      const { page } = await openSession();
      await openPortal(page, e2e.customerSource, recorder);
      await clickPortalSignIn(page);
      await page.getByRole('button', { name: p.continueWith(BACKUP_ID) }).click();
      await expectHeading(page, p.unavailable(BACKUP_ID));
      await recorder.brokerPage(page, 'provider not available');

      await page.goto(`${e2e.stack.brokerUrl}/upstream/demo/callback?state=forged&code=forged`);
      await expectHeading(page, p.signInExpired);
      await recorder.brokerPage(page, 'sign-in expired');

      await page.goto(`${e2e.stack.brokerUrl}/no-such-page`);
      await expectHeading(page, p.requestNotCompleted);
      await recorder.brokerPage(page, 'page not found');

      await page.goto(
        `${e2e.stack.brokerUrl}/auth?client_id=customersource&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fevil.example%2F`,
      );
      await expectHeading(page, p.requestNotCompleted);
      await recorder.brokerPage(page, "a portal's request that cannot be processed");
    },
  );

  scenario('consent for a portal that asks, and signing out', async ({ recorder, openSession }) => {
    const { page } = await openSession();
    const authorize = new URL('/auth', e2e.stack.brokerUrl);
    for (const [name, value] of Object.entries({
      client_id: 'thirdparty',
      response_type: 'code',
      scope: 'openid email',
      redirect_uri: 'http://127.0.0.1:9/thirdparty/callback',
      state: 'state-of-the-third-party',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    })) {
      authorize.searchParams.set(name, value);
    }
    await page.goto(authorize.href);
    await page.getByRole('button', { name: p.continueWith(DEMO_ID) }).click();
    await signInAtDemoId(page, alice, recorder);
    await expectHeading(page, p.consent('Third Party'));
    await recorder.brokerPage(page, 'allow access');

    // Signing out without an ID token of this session: the broker asks first.
    await page.goto(`${e2e.stack.brokerUrl}/session/end`);
    await expectHeading(page, p.signOut);
    await recorder.brokerPage(page, 'sign out');
    await page.getByRole('button', { name: t.logout.yes }).click();
    await expectHeading(page, p.signedOut);
    await recorder.brokerPage(page, 'signed out');
  });
});
