import type { Browser, Page } from 'playwright-core';
import { identityModel } from '../../src/accounts/identity-model.ts';
import { membershipModel } from '../../src/accounts/membership-model.ts';
import { pendingAssociationModel } from '../../src/linking/pending-association-model.ts';
import { linkIn } from '../support/sendgrid-sink.ts';
import { demoUser } from '../support/stack.ts';
import { launchChromium, openBrowserSession, type BrowserSession } from './support/chromium.ts';
import { startE2eStack, type E2eStack } from './support/e2e-stack.ts';
import {
  clickPortalSignIn,
  DEMO_ID_LOGIN_HEADING,
  expectHeading,
  openPortal,
  portalClaims,
  portalError,
  signInAtDemoId,
} from './support/steps.ts';
import { StoryRecorder } from './support/story-recorder.ts';
import { e2eLocale, TEXTS } from './support/texts.ts';

// The customer's experience (issue 14) in Chromium: no dead ends, a "Thank you" that a reload cannot repeat, and a
// layout that holds on a phone. Each finding of the issue is asserted on what the browser shows or measures.

const carol = demoUser('carol');
const CAROL_REGISTERED = 'office@carol-and-co.example';
const locale = e2eLocale();
const t = TEXTS[locale];
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

let e2e: E2eStack;
let browser: Browser;

beforeAll(async () => {
  e2e = await startE2eStack();
  browser = await launchChromium();
  await e2e.stack.seedAccount({ name: 'Carol & Co', email: CAROL_REGISTERED, customerNumber: '100003' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await e2e?.close();
});

function scenario(title: string, run: (recorder: StoryRecorder, session: BrowserSession) => Promise<void>): void {
  it(
    title,
    async () => {
      const recorder = new StoryRecorder(locale === 'en' ? `experience ${title}` : `${locale} experience ${title}`, {
        locale,
      });
      const session = await openBrowserSession(browser, t.browserLocale);
      try {
        await run(recorder, session);
      } finally {
        await session.context.close();
      }
      recorder.assertAccessible();
    },
    60_000,
  );
}

/** Portal → Demo ID → the broker's "Associate your account" page, as Carol (not linked yet). */
async function toAssociationPage(page: Page, recorder: StoryRecorder): Promise<void> {
  await openPortal(page, e2e.customerSource, recorder);
  await clickPortalSignIn(page);
  await signInAtDemoId(page, carol, recorder);
  await expectHeading(page, t.associate.heading);
}

scenario('cancel at the sign-in provider returns access_denied to the portal', async (recorder, { page }) => {
  await openPortal(page, e2e.customerSource, recorder);
  await clickPortalSignIn(page);
  await expectHeading(page, DEMO_ID_LOGIN_HEADING);
  await page.getByRole('button', { name: 'Cancel' }).click();
  expect(await portalError(page, e2e.customerSource, recorder)).toContain('access_denied');
  expect(await page.locator('#claims').count()).toBe(0);
});

scenario('reloading "Thank you" sends no second e-mail', async (recorder, { page }) => {
  await e2e.deliverMail();
  await toAssociationPage(page, recorder);
  await page.getByLabel(t.associate.emailLabel).fill(CAROL_REGISTERED);
  await page.getByRole('button', { name: t.associate.submit }).click();
  await expectHeading(page, t.associationSent.heading);
  await recorder.brokerPage(page, 'thank you');
  expect((await e2e.deliverMail()).map((mail) => mail.to)).toEqual([CAROL_REGISTERED]);

  // The browser would ask before re-sending a form; it does not need to: the page is a GET of its own.
  for (let i = 0; i < 3; i += 1) {
    await page.reload();
    await expectHeading(page, t.associationSent.heading);
  }
  await page.goBack();
  await page.goForward();
  expect(await e2e.deliverMail()).toEqual([]);
});

scenario(
  'the association page shows who is signing in, with a way to use another sign-in',
  async (recorder, { page }) => {
    await toAssociationPage(page, recorder);
    await recorder.brokerPage(page, 'associate, signed in as');
    expect(await page.locator('#signed-in-as').innerText()).toBe(
      t.associate.signedInAs('c***@example.net', e2e.stack.config.upstreams[0]!.name),
    );
    expect(await page.getByRole('button', { name: t.associate.anotherSignIn }).isVisible()).toBe(true);
    await page.getByRole('button', { name: t.associate.anotherSignIn }).click();
    await expectHeading(page, DEMO_ID_LOGIN_HEADING);
  },
);

scenario('the back button after success shows the success again, not an error', async (recorder, { page }) => {
  await e2e.deliverMail();
  await pendingAssociationModel(e2e.stack.db).deleteMany({ subject: carol.sub });
  await toAssociationPage(page, recorder);
  await page.getByLabel(t.associate.emailLabel).fill(CAROL_REGISTERED);
  await page.getByRole('button', { name: t.associate.submit }).click();
  await expectHeading(page, t.associationSent.heading);
  const [mail] = await e2e.deliverMail();
  try {
    await page.goto(linkIn(mail!));
    await expectHeading(page, t.linkConfirm.heading);
    await page.getByRole('button', { name: t.linkConfirm.confirm(e2e.stack.config.upstreams[0]!.name) }).click();
    await signInAtDemoId(page, carol, recorder);
    await expectHeading(page, t.associationLinked.heading);
    await recorder.brokerPage(page, 'associated');
    await page.getByRole('link', { name: t.associationLinked.continue }).click();
    await portalClaims(page, e2e.customerSource, recorder);

    await page.goBack();
    await expectHeading(page, t.associationLinked.heading);
    await recorder.brokerPage(page, 'associated, after back');
    await page.reload();
    await expectHeading(page, t.associationLinked.heading);
  } finally {
    await identityModel(e2e.stack.db).deleteMany({ subject: carol.sub });
    await membershipModel(e2e.stack.db).deleteMany({});
    await e2e.stack.directoryChanged();
  }
});

/** Where an element is on the page, in CSS pixels; fails the test when it is not rendered. */
async function box(page: Page, selector: string) {
  const found = await page.locator(selector).first().boundingBox();
  if (!found) throw new Error(`${selector} is not rendered on ${page.url()}`);
  return found;
}

for (const [name, viewport] of [
  ['phone', PHONE],
  ['desktop', DESKTOP],
] as const) {
  scenario(`the portal header sits inside its card on a ${name}`, async (recorder, { page }) => {
    await page.setViewportSize(viewport);
    await toAssociationPage(page, recorder);
    await recorder.brokerPage(page, `associate on a ${name}`);
    const card = await box(page, 'main.card');
    const header = await box(page, 'header.portal');
    const borderTop = await page.locator('main.card').evaluate((el) => {
      const { getComputedStyle } = globalThis as unknown as {
        getComputedStyle(el: unknown): { borderTopWidth: string };
      };
      return parseFloat(getComputedStyle(el).borderTopWidth);
    });
    // Below the card's top border, within its sides and above the heading: nothing runs through a border.
    expect(header.y).toBeGreaterThanOrEqual(card.y + borderTop);
    expect(header.x).toBeGreaterThanOrEqual(card.x);
    expect(header.x + header.width).toBeLessThanOrEqual(card.x + card.width);
    const heading = await box(page, 'main.card h1');
    expect(header.y + header.height).toBeLessThanOrEqual(heading.y);
    // And the card fits the screen: no sideways scrolling.
    const scrollWidth = await page.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement
          .scrollWidth,
    );
    expect(scrollWidth).toBeLessThanOrEqual(viewport.width);
  });
}
