import { Types } from 'mongoose';
import { contactModel } from '../../src/accounts/contact-model.ts';
import { membershipModel } from '../../src/accounts/membership-model.ts';
import { TestBrowser, formsOf, headingOf, textContent, type Page } from '../support/browser.ts';
import { TestPortal, loginUpstream, type AuthorizationAttempt } from '../support/portal.ts';
import { TEST_CLIENTS, demoUser, startStack, type Stack } from '../support/stack.ts';

const alice = demoUser('alice');
const IN_A_YEAR = new Date(Date.now() + 365 * 86_400_000);

describe('a person who acts for several customer accounts', () => {
  let stack: Stack;
  let customerSource: TestPortal;
  let partnerSource: TestPortal;
  let aliceCorp: string;
  let northwind: string;

  beforeAll(async () => {
    stack = await startStack({ accountCacheTtl: '0s' });
    customerSource = await TestPortal.discover(stack, TEST_CLIENTS[0]);
    partnerSource = await TestPortal.discover(stack, TEST_CLIENTS[1]);
    aliceCorp = await stack.seedLinkedAccount(alice, {
      email: 'billing@alice-corp.example',
      plans: [{ type: 'support', expiresAt: IN_A_YEAR }],
    });
    northwind = await stack.seedAccount({
      name: 'Northwind Traders',
      email: 'alice@northwind.example',
      customerNumber: '100004',
    });
    const contact = await contactModel(stack.db).findOne({ email: 'alice@northwind.example' }).lean();
    await membershipModel(stack.db).create({
      personId: new Types.ObjectId(aliceCorp),
      accountId: contact?.accountId,
      contactId: contact?._id,
      linkedAt: new Date(),
      associationId: null,
    });
  });
  afterAll(() => stack.close());

  /** Follows the portal's request through the broker; signs in upstream if asked. Stops at the portal or a page. */
  async function start(browser: TestBrowser, portal: TestPortal, parameters: Record<string, string> = {}) {
    const attempt = await portal.authorizationRequest(parameters);
    let page = await browser.navigate(attempt.url.href, {}, portal.redirectUri);
    if (/action="[^"]*\/login"/.test(page.html)) page = await loginUpstream(browser, page, alice, portal.redirectUri);
    return { attempt, page };
  }

  async function choose(browser: TestBrowser, page: Page, portal: TestPortal, accountId: string) {
    return browser.submit(page, '/account', { account: accountId }, portal.redirectUri);
  }

  async function claimsAt(portal: TestPortal, page: Page, attempt: AuthorizationAttempt) {
    expect(page.url.startsWith(portal.redirectUri)).toBe(true);
    return (await portal.exchange(page.url, attempt)).claims();
  }

  it('chooses on a broker page, receives that account’s claims, keeps the choice per portal, and chooses again on prompt=select_account', async () => {
    const browser = new TestBrowser();
    const first = await start(browser, customerSource);
    expect(headingOf(first.page.html)).toBe('Sign in to CustomerSource for:');
    expect(textContent(first.page.html)).toContain('Alice Example Ltd');
    expect(textContent(first.page.html)).toContain('Northwind Traders (100004)');
    const chosen = await claimsAt(
      customerSource,
      await choose(browser, first.page, customerSource, northwind),
      first.attempt,
    );
    expect(chosen).toMatchObject({
      sub: aliceCorp,
      customer_number: '100004',
      account_name: 'Northwind Traders',
      email: 'alice@northwind.example',
    });

    // The same session, the same portal: the choice is remembered.
    const again = await start(browser, customerSource);
    expect(await claimsAt(customerSource, again.page, again.attempt)).toMatchObject({ customer_number: '100004' });

    // The portal asks for the choice again.
    const asked = await start(browser, customerSource, { prompt: 'select_account' });
    expect(headingOf(asked.page.html)).toBe('Sign in to CustomerSource for:');
    const other = await claimsAt(
      customerSource,
      await choose(browser, asked.page, customerSource, aliceCorp),
      asked.attempt,
    );
    expect(other).toMatchObject({
      sub: aliceCorp,
      customer_number: expect.not.stringMatching(/^100004$/),
      account_name: 'Alice Example Ltd',
      email: 'billing@alice-corp.example',
    });
  });

  it('shows an account without the plan a portal requires as unavailable, and refuses it if posted anyway', async () => {
    const browser = new TestBrowser();
    const { page, attempt } = await start(browser, partnerSource);
    expect(headingOf(page.html)).toBe('Sign in to PartnerSource for:');
    expect(textContent(page.html)).toContain(
      'Northwind Traders (100004) Not available here: this portal needs an active Support plan.',
    );
    const choices = formsOf(page.html)
      .filter((f) => f.action.endsWith('/account'))
      .map((f) => f.fields.account);
    expect(choices).toEqual([aliceCorp]);

    const refused = await choose(browser, page, partnerSource, northwind);
    expect(refused.url.startsWith(partnerSource.redirectUri)).toBe(false);
    expect(headingOf(refused.html)).toBe('Sign in to PartnerSource for:');

    const claims = await claimsAt(partnerSource, await choose(browser, refused, partnerSource, aliceCorp), attempt);
    expect(claims).toMatchObject({ account_name: 'Alice Example Ltd', plans: ['support'] });
  });

  it('answers prompt=none with account_selection_required while no account is chosen for the portal', async () => {
    const browser = new TestBrowser();
    const signedIn = await start(browser, customerSource);
    await claimsAt(customerSource, await choose(browser, signedIn.page, customerSource, aliceCorp), signedIn.attempt);
    const silent = await start(browser, partnerSource, { prompt: 'none' });
    expect(new URL(silent.page.url).searchParams.get('error')).toBe('account_selection_required');
  });

  it('offers "use another account", which starts the association for the same sign-in', async () => {
    const browser = new TestBrowser();
    const { page } = await start(browser, customerSource);
    const associate = await browser.submit(page, '/another-account', {}, customerSource.redirectUri);
    expect(headingOf(associate.html)).toBe('Associate your account');
  });
});
