import type { Browser, Page } from 'playwright-core';
import { Types } from 'mongoose';
import { accountModel } from '../../src/accounts/account-model.ts';
import { contactModel } from '../../src/accounts/contact-model.ts';
import { membershipModel } from '../../src/accounts/membership-model.ts';
import { demoUser } from '../support/stack.ts';
import { launchChromium } from './support/chromium.ts';
import { scenarioTests } from './support/scenario.ts';
import type { StoryRecorder } from './support/story-recorder.ts';
import { startE2eStack, type E2eStack, type E2ePortal } from './support/e2e-stack.ts';
import {
  clickPortalSignIn,
  expectHeading,
  openPortal,
  portalClaims,
  signInAtDemoId,
  visibleText,
} from './support/steps.ts';
import { e2eLocale, TEXTS, type Locale } from './support/texts.ts';

// A person who acts for several customer accounts, in Chromium: after signing in, the broker asks which account
// this portal is for, shows the accounts the portal's `requires` rules out as unavailable with the reason, keeps
// the choice per portal for the broker session, and offers "Use another account" (the association flow).

const locale = e2eLocale();
const t = TEXTS[locale];
/**
 * The account choice page (views/pages/choose-account.hbs), which texts.ts does not cover. Written out per
 * language, as texts.ts explains: expectations read from views/locales would pass with any text in it.
 */
const CHOOSE_ACCOUNT: Record<
  Locale,
  {
    heading: (clientName: string) => string;
    account: (name: string, customerNumber: string) => string;
    unavailable: (plans: string) => string;
    another: string;
  }
> = {
  en: {
    heading: (clientName) => `Sign in to ${clientName} for:`,
    account: (name, customerNumber) => `${name} (${customerNumber})`,
    unavailable: (plans) => `Not available here: this portal needs an active ${plans} plan.`,
    another: 'Use another account',
  },
  de: {
    heading: (clientName) => `Bei ${clientName} anmelden für:`,
    account: (name, customerNumber) => `${name} (${customerNumber})`,
    unavailable: (plans) => `Hier nicht verfügbar: Dieses Portal erfordert einen aktiven ${plans}-Vertrag.`,
    another: 'Ein weiteres Konto verwenden',
  },
};
const choose = CHOOSE_ACCOUNT[locale];

const alice = demoUser('alice');
const ALICE_CORP = { name: 'Alice Corp', customerNumber: '100001', email: 'billing@alice-corp.example' };
const NORTHWIND = { name: 'Northwind Traders', customerNumber: '100004', email: 'alice@northwind.example' };
const inAYear = new Date(Date.now() + 365 * 86_400_000);
/** A phone's viewport (an iPhone 12 to 15's CSS pixels): the page must not need sideways scrolling there. */
const PHONE = { width: 390, height: 844 };
/** Six portal round trips, a Demo ID sign-in and three axe runs, on a machine that may be running other tests. */
const SCENARIO_TIMEOUT = 90_000;

let e2e: E2eStack;
let browser: Browser;
/** Alice Corp's id, which is also the person's (seeded people carry their first account's id as their `sub`). */
let aliceCorp: string;

beforeAll(async () => {
  e2e = await startE2eStack();
  browser = await launchChromium();
  aliceCorp = await e2e.stack.seedLinkedAccount(alice, {
    email: ALICE_CORP.email,
    plans: [{ type: 'support', expiresAt: inAYear }],
  });
  // The seed names the account after the demo user; docs/getting-started.md calls it Alice Corp, customer 100001.
  await accountModel(e2e.stack.db).updateOne(
    { _id: new Types.ObjectId(aliceCorp) },
    { name: ALICE_CORP.name, customerNumber: ALICE_CORP.customerNumber },
  );
  await e2e.stack.seedAccount({ ...NORTHWIND, plans: [] });
  const contact = await contactModel(e2e.stack.db).findOne({ email: NORTHWIND.email }).lean();
  await membershipModel(e2e.stack.db).create({
    personId: new Types.ObjectId(aliceCorp),
    accountId: contact?.accountId,
    contactId: contact?._id,
    linkedAt: new Date(),
    associationId: null,
  });
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

const onOrigin = (origin: string) => (url: URL) => url.origin === origin;
const hrefs = (urls: URL[]) => urls.map((url) => url.href);
const aliceCorpLabel = () => choose.account(ALICE_CORP.name, ALICE_CORP.customerNumber);
const northwindLabel = () => choose.account(NORTHWIND.name, NORTHWIND.customerNumber);

/** The broker's choice page for `portal`: its heading, then the names of the buttons a person can press. */
async function choicePage(page: Page, portal: E2ePortal, recorder: StoryRecorder, name: string): Promise<string[]> {
  await expectHeading(page, choose.heading(portal.name));
  expect(new URL(page.url()).origin).toBe(e2e.stack.brokerUrl);
  await recorder.brokerPage(page, name);
  return (await page.getByRole('button').allInnerTexts()).map((text) => text.trim());
}

/** Whether the page is wider than the window, so that a phone would have to scroll sideways to read it. */
function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const { documentElement } = (
      globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
    ).document;
    return documentElement.scrollWidth > documentElement.clientWidth;
  });
}

describe(`a person who acts for several customer accounts, in Chromium (${locale})`, () => {
  scenario(
    'chooses the account per portal, and the choice is kept for the session',
    async ({ recorder, openSession }) => {
      const { customerSource, partnerSource } = e2e;
      const { page, navigations, shownPages } = await openSession();

      // PartnerSource needs a support plan: Alice Corp has one, Northwind Traders is shown but cannot be chosen.
      await openPortal(page, partnerSource, recorder);
      await clickPortalSignIn(page);
      await signInAtDemoId(page, alice, recorder);
      const atPartnerSource = await choicePage(page, partnerSource, recorder, 'choose the account for PartnerSource');
      expect(atPartnerSource).toEqual([aliceCorpLabel(), choose.another]);
      const unavailable = page.locator('.unavailable');
      expect(await unavailable.count()).toBe(1);
      expect(await unavailable.isVisible()).toBe(true);
      expect((await unavailable.innerText()).replace(/\s+/g, ' ').trim()).toBe(
        `${northwindLabel()} ${choose.unavailable('Support')}`,
      );

      // The same page on a phone: readable without sideways scrolling, and as accessible as on a desktop.
      const desktop = page.viewportSize();
      await page.setViewportSize(PHONE);
      await recorder.brokerPage(page, 'choose the account for PartnerSource on a phone');
      expect(await scrollsSideways(page)).toBe(false);
      if (desktop) await page.setViewportSize(desktop);

      await page.getByRole('button', { name: aliceCorpLabel(), exact: true }).click();
      const partnerClaims = await portalClaims(page, partnerSource, recorder);
      expect(partnerClaims).toMatchObject({
        sub: aliceCorp,
        customer_number: ALICE_CORP.customerNumber,
        account_name: ALICE_CORP.name,
        plans: ['support'],
      });

      // CustomerSource in the same browser: signed in at the broker already (no Demo ID), but no account chosen for
      // this portal yet, so the broker asks; with no requirement, both accounts can be chosen.
      const beforeCustomerSource = navigations.length;
      await openPortal(page, customerSource, recorder);
      await clickPortalSignIn(page);
      const atCustomerSource = await choicePage(
        page,
        customerSource,
        recorder,
        'choose the account for CustomerSource',
      );
      expect(atCustomerSource).toEqual([aliceCorpLabel(), northwindLabel(), choose.another]);
      expect(await page.locator('.unavailable').count()).toBe(0);
      expect(await visibleText(page)).not.toContain(choose.unavailable('Support'));
      await page.getByRole('button', { name: northwindLabel(), exact: true }).click();
      const customerClaims = await portalClaims(page, customerSource, recorder);
      expect(customerClaims).toMatchObject({
        sub: aliceCorp,
        customer_number: NORTHWIND.customerNumber,
        account_name: NORTHWIND.name,
        email: NORTHWIND.email,
      });
      expect(hrefs(navigations.slice(beforeCustomerSource).filter(onOrigin(e2e.stack.upstreamUrl)))).toEqual([]);

      // CustomerSource signs in again (a new authorization request): the broker remembers Northwind for this portal
      // and this session, and shows no page of its own.
      const shownBefore = shownPages.length;
      await page.goto(`${customerSource.url}/login`);
      expect(await portalClaims(page, customerSource, recorder)).toMatchObject({
        customer_number: NORTHWIND.customerNumber,
      });
      expect(hrefs(shownPages.slice(shownBefore).filter(onOrigin(e2e.stack.brokerUrl)))).toEqual([]);

      // Unless the portal asks for the choice again (prompt=select_account).
      await page.goto(`${customerSource.url}/login?prompt=select_account`);
      const askedAgain = await choicePage(
        page,
        customerSource,
        recorder,
        'choose the account again for CustomerSource',
      );
      expect(askedAgain).toEqual([aliceCorpLabel(), northwindLabel(), choose.another]);
      await page.getByRole('button', { name: aliceCorpLabel(), exact: true }).click();
      expect(await portalClaims(page, customerSource, recorder)).toMatchObject({
        customer_number: ALICE_CORP.customerNumber,
      });
    },
  );

  scenario('"use another account" leads to the association of the sign-in', async ({ recorder, openSession }) => {
    const { partnerSource } = e2e;
    const { page } = await openSession();
    await openPortal(page, partnerSource, recorder);
    await clickPortalSignIn(page);
    await signInAtDemoId(page, alice, recorder);
    await choicePage(page, partnerSource, recorder, 'choose the account');
    await page.getByRole('button', { name: choose.another, exact: true }).click();
    await expectHeading(page, t.associate.heading);
    await recorder.brokerPage(page, 'associate another account');
    expect(await page.getByLabel(t.associate.emailLabel).isVisible()).toBe(true);
    // Nothing went to the portal: the person is still at the broker.
    expect(new URL(page.url()).origin).toBe(e2e.stack.brokerUrl);
  });
});
