import type { Browser, Page } from 'playwright-core';
import { consoleConfig } from '../admin/support/admin-client.ts';
import { UPSTREAM_CLIENT, demoUser } from '../support/stack.ts';
import { accessibilityViolations } from './support/accessibility.ts';
import { launchChromium, openBrowserSession, type BrowserSession } from './support/chromium.ts';
import { startE2eStack, type E2eStack } from './support/e2e-stack.ts';
import { clickPortalSignIn, expectHeading, openPortal, signInAtDemoId, visibleText } from './support/steps.ts';
import { StoryRecorder } from './support/story-recorder.ts';
import { e2eLocale, type Locale } from './support/texts.ts';

// The support console in Chromium, as staff use it: sign in through the company's staff upstream (Demo ID plays
// it), find an account, resend a link, answer a support request; and a customer who tries /admin gets nothing.
// Every console page passes the accessibility check, in the language the browser asks for.

const locale = e2eLocale();
/** The console's words the story clicks and reads, written out per language (not read from the catalogues). */
const CONSOLE: Record<Locale, Record<string, string>> = {
  en: {
    signInHeading: 'Sign in to the support console',
    signInButton: 'Sign in with your work account',
    notStaff: 'No access to the support console',
    overview: 'Overview',
    search: 'Search',
    resend: 'Send a new link',
    resent: 'A new link is on its way to the registered address; the older link no longer works.',
    requests: 'Support requests',
    resolve: 'Mark as answered',
    noOpen: 'No open support requests.',
    outbox: 'Failed e-mails',
    webhooksNav: 'Failed webhooks',
    webhooks: 'Failed webhook deliveries',
    audit: 'Audit trail',
    signOut: 'Sign out',
    signedOut: 'Signed out of the support console',
  },
  de: {
    signInHeading: 'Bei der Support-Konsole anmelden',
    signInButton: 'Mit dem Arbeitskonto anmelden',
    notStaff: 'Kein Zugang zur Support-Konsole',
    overview: 'Übersicht',
    search: 'Suchen',
    resend: 'Neuen Link senden',
    resent: 'Ein neuer Link ist unterwegs an die registrierte Adresse; der ältere Link funktioniert nicht mehr.',
    requests: 'Support-Anfragen',
    resolve: 'Als beantwortet markieren',
    noOpen: 'Keine offenen Support-Anfragen.',
    outbox: 'Fehlgeschlagene E-Mails',
    webhooksNav: 'Fehlgeschlagene Webhooks',
    webhooks: 'Fehlgeschlagene Webhook-Zustellungen',
    audit: 'Protokoll',
    signOut: 'Abmelden',
    signedOut: 'Von der Support-Konsole abgemeldet',
  },
};
const c = CONSOLE[locale];
const alice = demoUser('alice');
const carol = demoUser('carol');
const SCENARIO_TIMEOUT = 120_000;

let e2e: E2eStack;
let browser: Browser;
let fabrikam: string;

beforeAll(async () => {
  e2e = await startE2eStack(({ upstreamUrl }) => ({ admin: { console: consoleConfig(upstreamUrl, UPSTREAM_CLIENT) } }));
  browser = await launchChromium();
  fabrikam = await e2e.stack.seedAccount({
    name: 'Fabrikam',
    email: ['purchasing@fabrikam.example'],
    customerNumber: 'C-2002',
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await e2e?.close();
});

async function checked(page: Page, name: string, problems: string[]): Promise<void> {
  problems.push(...(await accessibilityViolations(page, name)));
  // Nothing may need sideways scrolling.
  const overflow = await page.evaluate(() => {
    const doc = globalThis as unknown as {
      document: { scrollingElement: { scrollWidth: number } };
      innerWidth: number;
    };
    return doc.document.scrollingElement.scrollWidth - doc.innerWidth;
  });
  if (overflow > 0) problems.push(`${name}: ${overflow}px wider than the window`);
}

/** Alice (a customer) asks to be associated with Fabrikam and then asks support from "Thank you". */
async function customerAsksForHelp(session: BrowserSession, recorder: StoryRecorder): Promise<void> {
  const { page } = session;
  await openPortal(page, e2e.customerSource, recorder);
  await clickPortalSignIn(page);
  await signInAtDemoId(page, alice, recorder);
  await page.locator('input[name="email"]').first().fill('purchasing@fabrikam.example');
  await page.locator('form[action$="/associate"] button[type="submit"]').click();
  await page.waitForURL(/\/sent$/);
  await page.locator('details.support-request summary').click();
  await page.locator('#support-customer').fill('C-2002');
  await page.locator('#support-message').fill('The link did not arrive.');
  await page.locator('form[action$="/support-request"] button[type="submit"]').click();
  await page.waitForURL(/\/support-request$/);
}

it(
  'staff sign in through the staff upstream, find an account, resend a link and answer a support request',
  async () => {
    const recorder = new StoryRecorder(`support console (${locale})`);
    const customer = await openBrowserSession(browser, locale);
    await customerAsksForHelp(customer, recorder);
    await e2e.deliverMail();

    const { page } = await openBrowserSession(browser, locale);
    const problems: string[] = [];
    await page.goto(`${e2e.stack.brokerUrl}/admin`);
    await expectHeading(page, c.signInHeading!);
    await checked(page, 'console sign-in', problems);
    await page.getByRole('link', { name: c.signInButton }).click();
    await signInAtDemoId(page, carol, recorder);
    await expectHeading(page, c.overview!);
    await checked(page, 'console overview', problems);

    await page.getByRole('searchbox').fill('purchasing@fabrikam.example');
    await page.getByRole('button', { name: c.search }).click();
    await page.getByRole('link', { name: 'C-2002' }).waitFor();
    await checked(page, 'console search results', problems);
    await page.getByRole('link', { name: 'C-2002' }).click();
    await expectHeading(page, 'Fabrikam C-2002');
    await checked(page, 'console account', problems);
    await page.getByRole('button', { name: c.resend }).first().click();
    await page.getByRole('status').filter({ hasText: c.resent! }).waitFor();
    const [mail] = await e2e.deliverMail();
    expect(mail?.to).toBe('purchasing@fabrikam.example');

    await page.getByRole('link', { name: c.requests, exact: true }).click();
    await expectHeading(page, c.requests!);
    expect(await visibleText(page)).toContain('The link did not arrive.');
    expect(await visibleText(page)).toContain(alice.sub);
    await checked(page, 'console support requests', problems);
    await page.getByRole('button', { name: c.resolve }).click();
    await page.getByText(c.noOpen!).waitFor();

    // A person (seeded people carry their first account's id) and a page for an id that names nothing.
    const linked = await e2e.stack.seedLinkedAccount(demoUser('bob'));
    await page.goto(`${e2e.stack.brokerUrl}/admin/people/${linked}`);
    await page.locator(`a[href="/admin/accounts/${linked}"]`).waitFor();
    await checked(page, 'console person', problems);
    await page.goto(`${e2e.stack.brokerUrl}/admin/accounts/000000000000000000000000`);
    await page.getByText('account not found').waitFor();
    await checked(page, 'console problem', problems);
    await page.getByRole('link', { name: c.outbox, exact: true }).click();
    await expectHeading(page, c.outbox!);
    await checked(page, 'console failed e-mails', problems);
    await page.getByRole('link', { name: c.webhooksNav, exact: true }).click();
    await expectHeading(page, c.webhooks!);
    await checked(page, 'console failed webhooks', problems);
    await page.getByRole('link', { name: c.audit, exact: true }).click();
    await expectHeading(page, c.audit!);
    expect(await visibleText(page)).toContain('staff:carol-0003');
    await checked(page, 'console audit', problems);
    await page.getByRole('button', { name: c.signOut }).click();
    await expectHeading(page, c.signedOut!);
    await checked(page, 'console signed out', problems);
    expect(problems).toEqual([]);
  },
  SCENARIO_TIMEOUT,
);

it(
  'a customer signed in at a portal is refused at /admin, also after signing in at the staff upstream',
  async () => {
    const recorder = new StoryRecorder(`console refuses a customer (${locale})`);
    const { page } = await openBrowserSession(browser, locale);
    await openPortal(page, e2e.customerSource, recorder);
    await clickPortalSignIn(page);
    await signInAtDemoId(page, alice, recorder);
    await page.goto(`${e2e.stack.brokerUrl}/admin`);
    await expectHeading(page, c.signInHeading!);
    expect(await visibleText(page)).not.toContain('Fabrikam');
    await page.getByRole('link', { name: c.signInButton }).click();
    // Demo ID remembers Alice: the staff upstream answers at once, and the console refuses her.
    await expectHeading(page, c.notStaff!);
    expect(await visibleText(page)).toContain(alice.email);
    const problems: string[] = [];
    await checked(page, 'console refusal', problems);
    expect(problems).toEqual([]);
    await page.goto(`${e2e.stack.brokerUrl}/admin/accounts/${fabrikam}`);
    await expectHeading(page, c.signInHeading!);
  },
  SCENARIO_TIMEOUT,
);
