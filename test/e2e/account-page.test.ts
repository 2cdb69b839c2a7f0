import { readFile } from 'node:fs/promises';
import { Types } from 'mongoose';
import type { Browser, Page } from 'playwright-core';
import { identityModel } from '../../src/accounts/identity-model.ts';
import { contactModel } from '../../src/accounts/contact-model.ts';
import { membershipModel } from '../../src/accounts/membership-model.ts';
import { SignInActivity } from '../../src/me/sign-in-activity.ts';
import { closeRedis, connectRedis } from '../../src/store/redis.ts';
import { demoUser } from '../support/stack.ts';
import { silentLogger } from '../support/stores.ts';
import { accessibilityViolations } from './support/accessibility.ts';
import { launchChromium, openBrowserSession } from './support/chromium.ts';
import { startE2eStack, type E2eStack } from './support/e2e-stack.ts';
import {
  clickPortalSignIn,
  expectHeading,
  openPortal,
  portalClaims,
  portalError,
  signInAtDemoId,
  visibleText,
} from './support/steps.ts';
import { PAGE_SIZES, StoryRecorder } from './support/story-recorder.ts';
import { e2eLocale, TEXTS, type Locale } from './support/texts.ts';

// The person's own page (/me, issue 25) in Chromium, walked at a phone's and a desktop's size: the customer accounts
// (leaving one, and being refused leaving the last way in), the sign-ins (adding one proved at Demo ID, removing it
// after a fresh sign-in with the kept one), recent activity with its older page, the data download and signing out
// everywhere. Every page of the walk passes axe and fits the window; on the page itself the keyboard reaches every
// control, in order, with a visible focus; Chromium reports no Content-Security-Policy violation anywhere.

const locale = e2eLocale();
const t = TEXTS[locale];
/** The page's words the walk clicks and reads, written out per language (texts.ts says why not from views/locales). */
const ME: Record<
  Locale,
  {
    heading: string;
    signInWith: (upstream: string) => string;
    leave: (account: string) => string;
    leaveHeading: (account: string) => string;
    leaveConfirm: (account: string) => string;
    onlyMember: (account: string) => string;
    left: string;
    addWith: string;
    add: string;
    added: string;
    current: string;
    reported: (email: string) => string;
    remove: (upstream: string) => string;
    removeHeading: (upstream: string) => string;
    confirmWith: (upstream: string) => string;
    confirmWithNamed: (upstream: string, email: string) => string;
    removed: string;
    wrongSignIn: string;
    notFound: string;
    backToPage: string;
    signedInHere: (upstream: string) => string;
    signedInFor: (upstream: string, portal: string) => string;
    olderSignIns: string;
    youLeft: string;
    youAdded: string;
    youRemoved: string;
    download: string;
    everywhere: string;
    signedOut: string;
    signedOutEverywhere: string;
    signInAgain: string;
  }
> = {
  en: {
    heading: 'Your sign-ins and accounts',
    signInWith: (upstream) => `Sign in with ${upstream}`,
    leave: (account) => `Leave ${account}…`,
    leaveHeading: (account) => `Leave ${account}?`,
    leaveConfirm: (account) => `Leave ${account}`,
    onlyMember: (account) =>
      `You are the only person who signs in for ${account}: if you left, nobody could, and support would have to register someone again.`,
    left: 'You have left the account. Portals no longer see it for you.',
    addWith: 'Add a sign-in with',
    add: 'Add a sign-in',
    added: 'The sign-in was added. We sent a notice to the address registered for you.',
    current: '(you used this one now)',
    reported: (email) => `Reported address: ${email}`,
    remove: (upstream) => `Remove ${upstream}`,
    removeHeading: (upstream) => `Remove ${upstream}?`,
    confirmWith: (upstream) => `Confirm with ${upstream}`,
    confirmWithNamed: (upstream, email) => `Confirm with ${upstream} (${email})`,
    removed: 'The sign-in was removed. Whoever signs in with it is no longer you here.',
    wrongSignIn: 'A different sign-in',
    notFound: 'Not found',
    backToPage: 'Back to your page',
    signedInHere: (upstream) => `signed in with ${upstream} to this page`,
    signedInFor: (upstream, portal) => `signed in with ${upstream} for ${portal}`,
    olderSignIns: 'Older sign-ins',
    youLeft: 'You left an account',
    youAdded: 'You added a sign-in',
    youRemoved: 'You removed a sign-in',
    download: 'Download your data',
    everywhere: 'Sign out everywhere',
    signedOut: 'You are signed out',
    signedOutEverywhere: 'You are signed out everywhere: every session ended and every portal was told.',
    signInAgain: 'Sign in again',
  },
  de: {
    heading: 'Ihre Anmeldungen und Konten',
    signInWith: (upstream) => `Mit ${upstream} anmelden`,
    leave: (account) => `${account} verlassen…`,
    leaveHeading: (account) => `${account} verlassen?`,
    leaveConfirm: (account) => `${account} verlassen`,
    onlyMember: (account) =>
      `Sie sind die einzige Person, die sich für ${account} anmeldet: Wenn Sie gingen, könnte es niemand mehr, und der Support müsste jemanden neu registrieren.`,
    left: 'Sie haben das Konto verlassen. Portale zeigen es für Sie nicht mehr an.',
    addWith: 'Anmeldung hinzufügen mit',
    add: 'Anmeldung hinzufügen',
    added: 'Die Anmeldung wurde hinzugefügt. Wir haben die für Sie hinterlegte Adresse benachrichtigt.',
    current: '(gerade verwendet)',
    reported: (email) => `Gemeldete Adresse: ${email}`,
    remove: (upstream) => `${upstream} entfernen`,
    removeHeading: (upstream) => `${upstream} entfernen?`,
    confirmWith: (upstream) => `Mit ${upstream} bestätigen`,
    confirmWithNamed: (upstream, email) => `Mit ${upstream} (${email}) bestätigen`,
    removed: 'Die Anmeldung wurde entfernt. Wer sich damit anmeldet, ist hier nicht mehr Sie.',
    wrongSignIn: 'Eine andere Anmeldung',
    notFound: 'Nicht gefunden',
    backToPage: 'Zurück zu Ihrer Seite',
    signedInHere: (upstream) => `mit ${upstream} auf dieser Seite angemeldet`,
    signedInFor: (upstream, portal) => `mit ${upstream} bei ${portal} angemeldet`,
    olderSignIns: 'Ältere Anmeldungen',
    youLeft: 'Sie haben ein Konto verlassen',
    youAdded: 'Sie haben eine Anmeldung hinzugefügt',
    youRemoved: 'Sie haben eine Anmeldung entfernt',
    download: 'Ihre Daten herunterladen',
    everywhere: 'Überall abmelden',
    signedOut: 'Sie sind abgemeldet',
    signedOutEverywhere: 'Sie sind überall abgemeldet: Jede Sitzung wurde beendet und jedes Portal benachrichtigt.',
    signInAgain: 'Erneut anmelden',
  },
};
const me = ME[locale];

const DEMO_ID = 'Demo ID';
const carol = demoUser('carol');
/** Carol's other login at Demo ID, which she adds to her page and removes again. */
const bob = demoUser('bob');
const alice = demoUser('alice');
const CAROLS_ACCOUNT = `${carol.name} Ltd`;
/** Per walk: Carol signs in, adds and removes a sign-in, tries a wrong one, leaves, downloads, signs out everywhere. */
const WALK_TIMEOUT = 150_000;

let e2e: E2eStack;
let browser: Browser;
/** Carol's person (and first account) id. */
let carolsId: string;
let alicesId: string;
/** When the oldest seeded sign-in (for Third Party) happened. */
const THIRD_PARTY_AT = new Date(Date.now() - 30 * 86_400_000);

beforeAll(async () => {
  e2e = await startE2eStack();
  browser = await launchChromium();
  carolsId = await e2e.stack.seedLinkedAccount(carol);
  alicesId = await e2e.stack.seedLinkedAccount(alice);
  await seedOlderSignIns();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await e2e?.close();
});

/**
 * Eleven sign-ins of Carol's from before the walks (the oldest for Third Party, the rest for PartnerSource): with
 * the walk's own, her activity needs a second page, and only that page lists the Third Party one.
 */
async function seedOlderSignIns(): Promise<void> {
  const { redis: target } = e2e.stack.config;
  const redis = await connectRedis(target, { logger: silentLogger, keyPrefix: target.keyPrefix });
  try {
    const activity = new SignInActivity(redis, silentLogger);
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000);
    await activity.record(carolsId, { at: THIRD_PARTY_AT, upstreamId: 'demo', clientId: 'thirdparty' });
    for (let day = 20; day > 10; day -= 1) {
      await activity.record(carolsId, { at: at(day), upstreamId: 'demo', clientId: 'partnersource' });
    }
  } finally {
    await closeRedis(redis);
  }
}

/** A customer account of its own per walk that Carol and Alice both act for: Carol may leave it. */
async function seedSharedAccount(name: string): Promise<void> {
  const slug = name.toLowerCase().replace(/\W+/g, '-');
  const addresses = [`carol@${slug}.example`, `alice@${slug}.example`];
  const accountId = await e2e.stack.seedAccount({ name, email: addresses, customerNumber: `T-${slug}` });
  const contacts = await contactModel(e2e.stack.db)
    .find({ accountId: new Types.ObjectId(accountId) })
    .lean();
  const contactOf = (email: string) => contacts.find((contact) => contact.email === email)!._id;
  await membershipModel(e2e.stack.db).insertMany(
    [
      [carolsId, addresses[0]!],
      [alicesId, addresses[1]!],
    ].map(([personId, email]) => ({
      personId: new Types.ObjectId(personId),
      accountId: new Types.ObjectId(accountId),
      contactId: contactOf(email!),
      linkedAt: new Date(),
      associationId: null,
    })),
  );
  await e2e.stack.directoryChanged();
}

/** Bob's login is not linked to anybody when a walk starts (an earlier walk that failed may have left it added). */
async function unlinkBob(): Promise<void> {
  await identityModel(e2e.stack.db).deleteMany({ subject: bob.sub });
  await e2e.stack.directoryChanged();
}

/** Axe and sideways overflow of a broker page, with a screenshot of it. */
async function checkPage(page: Page, name: string, recorder: StoryRecorder, problems: string[]): Promise<void> {
  await recorder.page(page, name);
  problems.push(...(await accessibilityViolations(page, name)));
  const { scrollWidth, innerWidth } = await page.evaluate(() => {
    const { document, innerWidth } = globalThis as unknown as {
      document: { scrollingElement: { scrollWidth: number } };
      innerWidth: number;
    };
    return { scrollWidth: document.scrollingElement.scrollWidth, innerWidth };
  });
  if (scrollWidth > innerWidth) problems.push(`${name}: ${scrollWidth}px wide in a ${innerWidth}px window`);
}

/** What the keyboard walk found: the page's controls in document order, and what each Tab focused. */
interface KeyboardWalk {
  controls: string[];
  reached: string[];
  /** Controls focused by the keyboard that show no focus outline. */
  unmarked: string[];
}

/**
 * Tabs through the page from its start (freshly loaded, so that nothing is focused yet) once per control: every
 * link, button, select and field must receive the focus, in document order (the page sets no tabindex), and show
 * it (`:focus-visible` with an outline).
 */
async function tabThrough(page: Page): Promise<KeyboardWalk> {
  await page.goto(page.url());
  const controls = await page.evaluate(() => {
    const { document } = globalThis as unknown as {
      document: { querySelectorAll(selector: string): Iterable<FocusableElement> };
    };
    const selector = 'a[href], button, select, input:not([type="hidden"]), textarea, summary, [tabindex]';
    return [...document.querySelectorAll(selector)]
      .filter((element) => !element.disabled && element.tabIndex >= 0 && element.getClientRects().length > 0)
      .map((element, index) => {
        element.setAttribute('data-tab-walk', String(index));
        return `${element.tagName.toLowerCase()} "${(element.innerText || element.getAttribute('name') || '').trim()}"`;
      });
  });
  const reached: string[] = [];
  const unmarked: string[] = [];
  for (let step = 0; step < controls.length; step += 1) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const { document, getComputedStyle } = globalThis as unknown as {
        document: { activeElement: FocusableElement | null };
        getComputedStyle(element: FocusableElement): { outlineStyle: string; outlineWidth: string };
      };
      const element = document.activeElement;
      if (!element) return { index: null, marked: false };
      const style = getComputedStyle(element);
      return {
        index: element.getAttribute('data-tab-walk'),
        marked: element.matches(':focus-visible') && style.outlineStyle !== 'none' && style.outlineWidth !== '0px',
      };
    });
    const name = focused.index === null ? 'something else' : (controls[Number(focused.index)] ?? 'something else');
    reached.push(name);
    if (!focused.marked) unmarked.push(name);
  }
  return { controls, reached, unmarked };
}

/** Tabs through the page (see tabThrough) and expects every control reached, in order, with its focus shown. */
async function keyboardReachesEveryControl(page: Page): Promise<string[]> {
  const { controls, reached, unmarked } = await tabThrough(page);
  expect(reached).toEqual(controls);
  expect(unmarked).toEqual([]);
  return controls;
}

/** The DOM as read inside the page (the project leaves out the DOM library). */
interface FocusableElement {
  tagName: string;
  innerText: string;
  disabled?: boolean;
  tabIndex: number;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  getClientRects(): { length: number };
  matches(selector: string): boolean;
}

const sizes = [
  ['phone', PAGE_SIZES.phone],
  ['desktop', PAGE_SIZES.desktop],
] as const;

describe(`the person's own page in Chromium (${locale})`, () => {
  for (const [size, viewport] of sizes) {
    it(
      `walks accounts, sign-ins, activity, the data download and signing out everywhere at ${viewport.width}x${viewport.height} (${size})`,
      async () => {
        const shared = `Two People ${size}`;
        await seedSharedAccount(shared);
        await unlinkBob();
        const recorder = new StoryRecorder(`${locale} account page ${size}`);
        const problems: string[] = [];
        const cspViolations: string[] = [];
        const session = await openBrowserSession(browser, t.browserLocale);
        const { page } = session;
        page.on('console', (message) => {
          if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${page.url()}: ${message.text()}`);
        });
        const broker = e2e.stack.brokerUrl;
        const statusSays = (text: string) => page.getByRole('status').filter({ hasText: text }).waitFor();
        // Both sign-ins are "Demo ID", each named by the address it reported: Bob's is the one Carol did not use for
        // the page.
        const signIns = page.locator('section[aria-labelledby="sign-ins-heading"] ul.items > li');
        const bobsSignIn = signIns.filter({ hasNotText: me.current });
        const confirmWithCarols = page
          .getByRole('button', { name: me.confirmWith(DEMO_ID), exact: true })
          .or(page.getByRole('button', { name: me.confirmWithNamed(DEMO_ID, carol.email), exact: true }));
        try {
          await page.setViewportSize(viewport);

          // Signing in to the page: the choice of upstream, Demo ID, back on the page.
          await page.goto(`${broker}/me`);
          await expectHeading(page, me.heading);
          await checkPage(page, 'sign-in choice', recorder, problems);
          await page.getByRole('button', { name: me.signInWith(DEMO_ID) }).click();
          await signInAtDemoId(page, carol, recorder);
          await page.waitForURL(`${broker}/me`);
          await expectHeading(page, me.heading);
          expect(await visibleText(page)).toContain(me.leave(CAROLS_ACCOUNT));
          expect(await visibleText(page)).toContain(me.leave(shared));
          expect(await visibleText(page)).toContain(me.signedInHere(DEMO_ID));
          expect(await page.getByRole('link', { name: me.remove(DEMO_ID) }).count()).toBe(0);

          // 2. Adding a sign-in first, so that axe and the keyboard see the page at its fullest: Demo ID asks afresh,
          // Carol proves her other login there, it is linked at once and her registered address is told.
          await page.getByLabel(me.addWith).selectOption({ label: DEMO_ID });
          await page.getByRole('button', { name: me.add, exact: true }).click();
          await signInAtDemoId(page, bob, recorder);
          await statusSays(me.added);
          expect(new URL(page.url()).pathname).toBe('/me');
          expect(await signIns.count()).toBe(2);
          expect(await bobsSignIn.getByRole('link', { name: me.remove(DEMO_ID) }).count()).toBe(1);
          const notices = await e2e.deliverMail();
          expect(notices.map((mail) => mail.to)).toEqual([`billing+${carol.sub}@example.com`]);
          expect(notices[0]?.text).toContain(`${broker}/me`);

          // The page at its fullest (two accounts, two sign-ins, a second page of activity): axe and the keyboard.
          await checkPage(page, 'the page', recorder, problems);
          // Two leave links, two remove links, the select and its button, older sign-ins, sign out everywhere, the
          // download, signing out of the page (and the branding's footer links).
          expect((await keyboardReachesEveryControl(page)).length).toBeGreaterThanOrEqual(10);

          // 1. Leaving: the last way into Carol's own account is refused with what to do; the shared one is left.
          await page.getByRole('link', { name: me.leave(CAROLS_ACCOUNT) }).click();
          await expectHeading(page, me.leaveHeading(CAROLS_ACCOUNT));
          expect(await page.getByRole('alert').innerText()).toBe(me.onlyMember(CAROLS_ACCOUNT));
          expect(await page.getByRole('button').count()).toBe(0);
          await checkPage(page, 'leave refused (only member)', recorder, problems);
          await page.getByRole('link', { name: me.backToPage }).click();
          await page.getByRole('link', { name: me.leave(shared) }).click();
          await expectHeading(page, me.leaveHeading(shared));
          await checkPage(page, 'leave confirmation', recorder, problems);
          await keyboardReachesEveryControl(page);
          await page.getByRole('button', { name: me.leaveConfirm(shared) }).click();
          await statusSays(me.left);
          expect(await visibleText(page)).not.toContain(me.leave(shared));
          expect(await visibleText(page)).toContain(me.leave(CAROLS_ACCOUNT));

          // 2. Removing Bob's login: confirmed only by a fresh sign-in with the kept one; the wrong one changes nothing.
          const removeBobs = () => bobsSignIn.getByRole('link', { name: me.remove(DEMO_ID) }).click();
          await removeBobs();
          await expectHeading(page, me.removeHeading(DEMO_ID));
          await checkPage(page, 'remove confirmation', recorder, problems);
          await keyboardReachesEveryControl(page);
          await confirmWithCarols.click();
          await signInAtDemoId(page, bob, recorder);
          await expectHeading(page, me.wrongSignIn);
          await checkPage(page, 'remove refused (a different sign-in)', recorder, problems);
          await page.getByRole('link', { name: me.backToPage }).click();
          await expectHeading(page, me.heading);
          expect(await signIns.count()).toBe(2);
          await removeBobs();
          await confirmWithCarols.click();
          await signInAtDemoId(page, carol, recorder);
          await statusSays(me.removed);
          expect(await signIns.count()).toBe(1);
          expect(await page.getByRole('link', { name: me.remove(DEMO_ID) }).count()).toBe(0);
          // A sign-in that is not (or no longer) hers: a page that says so.
          await page.goto(`${broker}/me/sign-ins/${new Types.ObjectId().toString()}/remove`);
          await expectHeading(page, me.notFound);
          await checkPage(page, 'not found', recorder, problems);

          // 3. Recent activity: a portal sign-in shows with the portal's name; the changes, newest first; older page.
          await openPortal(page, e2e.customerSource, recorder);
          await clickPortalSignIn(page);
          await portalClaims(page, e2e.customerSource, recorder);
          await page.goto(`${broker}/me`);
          await expectHeading(page, me.heading);
          const text = await visibleText(page);
          // The portal's sign-in recorded the address Demo ID reported, which the page names.
          expect(await signIns.innerText()).toContain(me.reported(carol.email));
          expect(text).toContain(me.signedInFor(DEMO_ID, e2e.customerSource.name));
          expect(text).not.toContain(me.signedInFor(DEMO_ID, 'Third Party'));
          const changes = await page.locator('ul.items > li').allInnerTexts();
          // The newest of each (an earlier walk's are further down): removed, then left, then added.
          const newest = (entry: string) => changes.findIndex((line) => line.includes(entry));
          expect(newest(me.youRemoved)).toBeGreaterThan(-1);
          expect(newest(me.youRemoved)).toBeLessThan(newest(me.youLeft));
          expect(newest(me.youLeft)).toBeLessThan(newest(me.youAdded));
          await page.getByRole('link', { name: me.olderSignIns }).click();
          await page.getByText(me.signedInFor(DEMO_ID, 'Third Party')).waitFor();
          await checkPage(page, 'older sign-ins', recorder, problems);

          // 5. The data: a JSON file of everything stored about Carol, nothing of Bob's removed login.
          const [download] = await Promise.all([
            page.waitForEvent('download'),
            page.getByRole('link', { name: me.download }).click(),
          ]);
          expect(download.suggestedFilename()).toBe('my-data.json');
          const data = JSON.parse(await readFile(await download.path(), 'utf8')) as {
            person: { id: string };
            signIns: Array<{ subject: string }>;
          };
          expect(data.person.id).toBe(carolsId);
          expect(data.signIns.map((signIn) => signIn.subject)).toEqual([carol.sub]);
          expect(JSON.stringify(data)).not.toContain(alice.sub);

          // 4. Signing out everywhere: the portal's session ends too (a silent sign-in is refused), and the page's.
          await page.getByRole('button', { name: me.everywhere }).click();
          await expectHeading(page, me.signedOut);
          expect(await page.getByRole('status').innerText()).toBe(me.signedOutEverywhere);
          await checkPage(page, 'signed out everywhere', recorder, problems);
          const portalTab = await session.context.newPage();
          await portalTab.goto(`${e2e.customerSource.url}/login?prompt=none`);
          expect(await portalError(portalTab, e2e.customerSource, recorder)).toContain('login_required');
          await page.getByRole('link', { name: me.signInAgain }).click();
          await page.getByRole('button', { name: me.signInWith(DEMO_ID) }).waitFor();
          expect(await visibleText(page)).not.toContain(CAROLS_ACCOUNT);
        } finally {
          await session.context.close();
        }
        expect(problems).toEqual([]);
        expect(cspViolations).toEqual([]);
      },
      WALK_TIMEOUT,
    );
  }

  // Times are written by {{datetime}} in the page's language, in UTC (src/i18n/handlebars-helper.ts).
  it("writes times the way the page's language does, in UTC", async () => {
    const session = await openBrowserSession(browser, t.browserLocale);
    const { page } = session;
    try {
      await page.goto(`${e2e.stack.brokerUrl}/me`);
      await page.getByRole('button', { name: me.signInWith(DEMO_ID) }).click();
      await signInAtDemoId(page, carol, new StoryRecorder(`${locale} account page times`));
      await expectHeading(page, me.heading);
      await page.getByRole('link', { name: me.olderSignIns }).click();
      const written = new Intl.DateTimeFormat(locale, {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: 'numeric',
        minute: '2-digit',
        timeZone: 'UTC',
        timeZoneName: 'short',
      }).format(THIRD_PARTY_AT);
      await page.getByText(me.signedInFor(DEMO_ID, 'Third Party')).waitFor();
      expect(await visibleText(page)).toContain(`${written}: ${me.signedInFor(DEMO_ID, 'Third Party')}`);
    } finally {
      await session.context.close();
    }
  });
});
