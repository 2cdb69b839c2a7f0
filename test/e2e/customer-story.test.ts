import type { Browser } from 'playwright-core';
import { identityModel } from '../../src/accounts/identity-model.ts';
import { Types } from 'mongoose';
import { contactModel } from '../../src/accounts/contact-model.ts';
import { membershipModel } from '../../src/accounts/membership-model.ts';
import { personModel } from '../../src/accounts/person-model.ts';
import type { DemoUser } from '../parties/demo-upstream.ts';
import { pendingAssociationModel } from '../../src/linking/pending-association-model.ts';
import { demoUser } from '../support/stack.ts';
import { launchChromium, type BrowserSession } from './support/chromium.ts';
import { scenarioTests } from './support/scenario.ts';
import type { StoryRecorder } from './support/story-recorder.ts';
import { startE2eStack, SUPPORT_ADDRESS, type E2eStack, type SentMail } from './support/e2e-stack.ts';
import {
  clickPortalSignIn,
  expectHeading,
  openPortal,
  portalClaims,
  portalError,
  signInAtDemoId,
  visibleText,
} from './support/steps.ts';
import { e2eLocale, TEXTS } from './support/texts.ts';

// The customer's story of docs/getting-started.md in a real browser: Debian's headless Chromium driven by playwright-core,
// against Demo ID, the broker, two demo portals and a SendGrid stand-in, all on 127.0.0.1.

const alice = demoUser('alice');
const bob = demoUser('bob');
const carol = demoUser('carol');
const CAROL_REGISTERED = 'office@carol-and-co.example';
const CAROL_CUSTOMER_NUMBER = '100003';
const inAYear = new Date(Date.now() + 365 * 86_400_000);
const locale = e2eLocale();
const t = TEXTS[locale];
/** Per scenario: several page loads, two sign-ins and an e-mail, on a machine that may be running other tests. */
const SCENARIO_TIMEOUT = 60_000;

let e2e: E2eStack;
let browser: Browser;
let carolAccount: string;
let bobAccount: string;

beforeAll(async () => {
  e2e = await startE2eStack();
  browser = await launchChromium();
  carolAccount = await e2e.stack.seedAccount({
    name: 'Carol & Co',
    email: CAROL_REGISTERED,
    customerNumber: CAROL_CUSTOMER_NUMBER,
  });
  await e2e.stack.seedLinkedAccount(alice, {
    email: 'accounts@alice-corp.example',
    plans: [{ type: 'support', expiresAt: inAYear }],
  });
  bobAccount = await e2e.stack.seedLinkedAccount(bob, { plans: [] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await e2e?.close();
});

const scenario = scenarioTests({
  browser: () => browser,
  locale,
  browserLocale: t.browserLocale,
  timeout: SCENARIO_TIMEOUT,
});

const brokerUrl = () => e2e.stack.brokerUrl;
const upstreamUrl = () => e2e.stack.upstreamUrl;
const upstreamName = () => e2e.stack.config.upstreams[0]!.name;
const onOrigin = (origin: string) => (url: URL) => url.origin === origin;
const hrefs = (urls: URL[]) => urls.map((url) => url.href);

function linkIn(mail: SentMail): string {
  const match = /(http:\/\/127\.0\.0\.1:\d+\/link\?token=[A-Za-z0-9_-]+)/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no association link in the e-mail:\n${mail.text}`);
  return match[1];
}

/** Carol as she was before her first login: no identity link, no association requested, no e-mail waiting. */
async function forgetCarol(): Promise<void> {
  await identityModel(e2e.stack.db).deleteMany({ subject: carol.sub });
  await membershipModel(e2e.stack.db).deleteMany({ accountId: carolAccount });
  await pendingAssociationModel(e2e.stack.db).deleteMany({ subject: carol.sub });
  await e2e.stack.directoryChanged();
  await e2e.deliverMail();
}

/** Carol as the first login leaves her (done here too, so that a test can run alone). */
async function ensureCarolLinked(): Promise<void> {
  const identities = identityModel(e2e.stack.db);
  if ((await identities.countDocuments({ subject: carol.sub })) > 0) return;
  const personId = new Types.ObjectId();
  const contact = await contactModel(e2e.stack.db).findOne({ accountId: carolAccount }).lean();
  await personModel(e2e.stack.db).create({ _id: personId, createdAt: new Date(), associationId: null });
  await identities.create({
    personId,
    upstreamId: 'demo',
    issuer: upstreamUrl(),
    subject: carol.sub,
    linkedAt: new Date(),
    lastLoginAt: null,
  });
  await membershipModel(e2e.stack.db).create({
    personId,
    accountId: carolAccount,
    contactId: contact?._id,
    linkedAt: new Date(),
    associationId: null,
  });
}

/**
 * Portal → "Sign in" → Demo ID → "Associate your account" → the registered address → "Thank you"; returns the
 * link from the e-mail the broker sent.
 */
async function requestAssociation(session: BrowserSession, user: DemoUser, recorder: StoryRecorder): Promise<string> {
  const { page } = session;
  await openPortal(page, e2e.customerSource, recorder);
  await clickPortalSignIn(page);
  await signInAtDemoId(page, user, recorder);

  await expectHeading(page, t.associate.heading);
  await recorder.brokerPage(page, 'associate your account', '1-associate');
  expect(await visibleText(page)).toContain(t.associate.help(SUPPORT_ADDRESS));
  await page.getByLabel(t.associate.emailLabel).fill(CAROL_REGISTERED);
  await page.getByRole('button', { name: t.associate.submit }).click();

  await expectHeading(page, t.associationSent.heading);
  await recorder.brokerPage(page, 'thank you', '2-thank-you');
  expect(await visibleText(page)).toContain(t.associationSent.text('o***@carol-and-co.example'));
  // No code went to the portal: the person is still at the broker.
  expect(new URL(page.url()).origin).toBe(brokerUrl());

  const mails = await e2e.deliverMail();
  expect(mails.map((mail) => mail.to)).toEqual([CAROL_REGISTERED]);
  return linkIn(mails[0]!);
}

/** Opens the e-mailed link, presses the confirm button and signs in at Demo ID (forced) as `user`. */
async function confirmAssociation(
  session: BrowserSession,
  link: string,
  user: DemoUser,
  recorder: StoryRecorder,
): Promise<void> {
  const { page, navigations } = session;
  await page.goto(link);
  await expectHeading(page, t.linkConfirm.heading);
  await recorder.brokerPage(page, 'confirm the association', '3-confirm');
  await page.getByRole('button', { name: t.linkConfirm.confirm(upstreamName()) }).click();
  await signInAtDemoId(page, user, recorder);
  // The broker asked Demo ID for a fresh sign-in, whatever session the browser had there.
  const upstreamRequest = navigations.filter(onOrigin(upstreamUrl())).find((url) => url.searchParams.has('client_id'));
  expect(upstreamRequest?.searchParams.get('prompt')).toBe('login');
  expect(upstreamRequest?.searchParams.get('max_age')).toBe('0');
}

describe(`the customer's story in Chromium (${locale})`, () => {
  scenario('first login associates the sign-in through the e-mailed link', async ({ recorder, openSession }) => {
    await forgetCarol();
    const { customerSource } = e2e;
    const first = await openSession();
    const link = await requestAssociation(first, carol, recorder);

    // The link is opened where the e-mail is read: another browser, with no session anywhere.
    const mailReader = await openSession();
    await confirmAssociation(mailReader, link, carol, recorder);
    const { page } = mailReader;
    await expectHeading(page, t.associationLinked.heading);
    await recorder.brokerPage(page, 'your sign-in is associated', '4-associated');
    expect(await visibleText(page)).toContain(t.associationLinked.text('Carol & Co'));
    await page.getByRole('link', { name: t.associationLinked.continue }).click();
    // The original authorization request lives in the first browser, so this one lands on the portal's home.
    await page.waitForURL(`${customerSource.url}/`);
    await expectHeading(page, customerSource.name);
    await recorder.page(page, 'CustomerSource home after continue');
    expect(await page.locator('#login').isVisible()).toBe(true);

    // Back in the first browser, signing in again now reaches the portal with the account's claims.
    await openPortal(first.page, customerSource, recorder);
    await clickPortalSignIn(first.page);
    const claims = await portalClaims(first.page, customerSource, recorder);
    await recorder.docsPage(first.page, '5-portal-claims');
    expect(claims).toMatchObject({ customer_number: CAROL_CUSTOMER_NUMBER, email: CAROL_REGISTERED });
    // The sub is the person Carol became, not the account: colleagues of the same customer get their own.
    const [linked] = await identityModel(e2e.stack.db).find({ subject: carol.sub }).lean();
    expect(claims.sub).toBe(linked?.personId.toString());
  });

  scenario('second login goes straight through to the portal', async ({ recorder, openSession }) => {
    await ensureCarolLinked();
    const { customerSource } = e2e;
    const { page, shownPages } = await openSession();
    await openPortal(page, customerSource, recorder);
    await clickPortalSignIn(page);
    await signInAtDemoId(page, carol, recorder);
    const claims = await portalClaims(page, customerSource, recorder);
    expect(claims).toMatchObject({ customer_number: CAROL_CUSTOMER_NUMBER, email: CAROL_REGISTERED });
    // Only the portal's and Demo ID's pages were shown: the broker answered with redirects alone.
    expect(hrefs(shownPages.filter(onOrigin(brokerUrl())))).toEqual([]);
  });

  scenario('a second portal signs in without Demo ID (single sign-on)', async ({ recorder, openSession }) => {
    const { customerSource, partnerSource } = e2e;
    const { page, navigations, shownPages } = await openSession();
    await openPortal(page, customerSource, recorder);
    await clickPortalSignIn(page);
    await signInAtDemoId(page, alice, recorder);
    const atCustomerSource = await portalClaims(page, customerSource, recorder);

    const [navigatedBefore, shownBefore] = [navigations.length, shownPages.length];
    await openPortal(page, partnerSource, recorder);
    await clickPortalSignIn(page);
    const claims = await portalClaims(page, partnerSource, recorder);
    expect(claims).toMatchObject({ customer_number: atCustomerSource.customer_number, plans: ['support'] });
    const sso = navigations.slice(navigatedBefore);
    expect(sso.some(onOrigin(brokerUrl()))).toBe(true);
    expect(hrefs(sso.filter(onOrigin(upstreamUrl())))).toEqual([]);
    expect(hrefs(shownPages.slice(shownBefore).filter((url) => !onOrigin(partnerSource.url)(url)))).toEqual([]);
  });

  scenario(
    'confirming with a different Demo ID sign-in is refused and links nothing',
    async ({ recorder, openSession }) => {
      await forgetCarol();
      const link = await requestAssociation(await openSession(), carol, recorder);
      const mailReader = await openSession();
      await confirmAssociation(mailReader, link, bob, recorder);
      await expectHeading(mailReader.page, t.mismatch.heading);
      await recorder.brokerPage(mailReader.page, 'different sign-in');

      const identities = identityModel(e2e.stack.db);
      expect(await identities.countDocuments({ subject: carol.sub })).toBe(0);
      expect(await membershipModel(e2e.stack.db).countDocuments({ accountId: carolAccount })).toBe(0);
      const bobs = await identities.find({ subject: bob.sub }).lean();
      // Seeded people carry their account's id (the sub portals knew before organisations).
      expect(bobs.map((identity) => identity.personId.toString())).toEqual([bobAccount]);
    },
  );

  scenario(
    'a missing plan is explained at the broker, and its button returns access_denied to the portal',
    async ({ recorder, openSession }) => {
      const { partnerSource } = e2e;
      const { page } = await openSession();
      await openPortal(page, partnerSource, recorder);
      await clickPortalSignIn(page);
      await signInAtDemoId(page, bob, recorder);
      await expectHeading(page, t.entitlementMissing.heading('PartnerSource', 'Support'));
      expect(new URL(page.url()).origin).toBe(brokerUrl());
      await recorder.brokerPage(page, 'plan required');
      await page.getByRole('button', { name: t.entitlementMissing.back('PartnerSource') }).click();
      expect(await portalError(page, partnerSource, recorder)).toContain('access_denied');
      expect(await page.locator('#claims').count()).toBe(0);
    },
  );

  scenario('signing out at the portal ends the broker session', async ({ recorder, openSession }) => {
    const { customerSource } = e2e;
    const { page, navigations } = await openSession();
    await openPortal(page, customerSource, recorder);
    await clickPortalSignIn(page);
    await signInAtDemoId(page, alice, recorder);
    await portalClaims(page, customerSource, recorder);

    // Signing out does not sign the person out of Demo ID (their consumer identity provider), so a plain
    // "Sign in" afterwards may come back without a login page either way and tells nothing about the broker.
    // `prompt=none` asks the broker alone whether it still knows the person: with its session, a code (the portal
    // shows claims); without, `login_required`. Asked before and after, it shows the session ending.
    await page.goto(`${customerSource.url}/login?prompt=none`);
    await portalClaims(page, customerSource, recorder);

    // The portal sends the ID token of this very session (id_token_hint): no question, the broker goes on by itself.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#login').waitFor();
    await page.waitForURL(`${customerSource.url}/`);
    await expectHeading(page, customerSource.name);
    await recorder.page(page, 'CustomerSource signed out');
    expect(await page.locator('#login').isVisible()).toBe(true);

    await page.goto(`${customerSource.url}/login?prompt=none`);
    expect(await portalError(page, customerSource, recorder)).toContain('login_required');

    // And a plain sign-in now has to go through Demo ID again (which may still remember alice).
    const navigatedBefore = navigations.length;
    await clickPortalSignIn(page);
    await portalClaims(page, customerSource, recorder);
    expect(navigations.slice(navigatedBefore).some(onOrigin(upstreamUrl()))).toBe(true);
  });
});
