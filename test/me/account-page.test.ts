import { ADMIN_CLIENT, ADMIN_CONFIG, accessToken, adminApi } from '../admin/support/admin-client.ts';
import { TestBrowser, formsOf, headingOf, textContent, type Page } from '../support/browser.ts';
import { startMailingStack, type MailingStack } from '../support/mailing-stack.ts';
import { loginUpstream, signIn, type TestPortal } from '../support/portal.ts';
import { recentAudit } from '../support/records.ts';
import { demoUser, type Stack } from '../support/stack.ts';
import type { DemoUser } from '../parties/demo-upstream.ts';

// The person's own page at /me, driven over HTTP against a real stack (Redis, the MongoDB-wire server, the demo
// upstream, SendGrid's API on a sink): what it shows, each change and its audit entry, and that nothing of another
// person can be seen or changed through it.

const carol = demoUser('carol');
const bob = demoUser('bob');
const alice = demoUser('alice');
const NOWHERE = 'http://127.0.0.1:9/never';

describe('the person’s own page', () => {
  let mailing: MailingStack;
  let stack: Stack;
  let portal: TestPortal;
  let admin: string;
  let carolsAccount: string;

  beforeAll(async () => {
    mailing = await startMailingStack({ admin: ADMIN_CONFIG, accountCacheTtl: '60s' });
    ({ stack, portal } = mailing);
    admin = await accessToken(stack, ADMIN_CLIENT);
    carolsAccount = await stack.seedLinkedAccount(carol, {
      plans: [{ type: 'support', expiresAt: new Date('2031-06-30T00:00:00Z') }],
    });
  });
  afterAll(() => mailing.close());

  /** Opens /me in `browser`, signing in upstream as `user`; the page shown after the sign-in. */
  async function openPage(browser: TestBrowser, user: DemoUser): Promise<Page> {
    const choice = await browser.navigate(`${stack.brokerUrl}/me`);
    expect(headingOf(choice.html)).toBe('Your sign-ins and accounts');
    const upstream = await browser.submit(choice, '/me/login', { upstreamId: 'demo' });
    return loginUpstream(browser, upstream, user, NOWHERE);
  }

  /**
   * Signs in upstream as `user` from a page that leads there. Switching accounts at the demo upstream first ends its
   * session there with a self-submitting form (oidc-provider's), which this scripted browser submits itself.
   */
  async function signInUpstream(browser: TestBrowser, page: Page, user: DemoUser): Promise<Page> {
    const answer = await loginUpstream(browser, page, user, NOWHERE);
    return answer.html.includes('/session/end/confirm')
      ? browser.submit(answer, '/session/end/confirm', {}, NOWHERE)
      : answer;
  }

  const api = async (method: string, path: string, body?: unknown) => {
    const answer = await adminApi(stack, admin, method, path, body);
    expect([path, answer.status < 300]).toEqual([path, true]);
    return answer.body;
  };

  it('shows the accounts, sign-ins and activity of the person who signs in, and nothing for an unlinked sign-in', async () => {
    // Carol signs in at a portal first: her page lists that sign-in with the portal.
    await signIn(new TestBrowser(), portal, carol);
    const browser = new TestBrowser();
    const page = await openPage(browser, carol);
    expect(page.url).toBe(`${stack.brokerUrl}/me`);
    const text = textContent(page.html);
    expect(text).toContain(`${carol.name} Ltd`);
    expect(text).toMatch(/support plan, until/);
    expect(text).toContain('Demo ID');
    expect(text).toContain('signed in with Demo ID for CustomerSource');
    expect(text).toContain('signed in with Demo ID to this page');
    // One sign-in: no remove link; nobody else on the account: leaving is refused with what to do instead.
    expect(page.html).not.toContain('/remove"');
    const leave = await browser.submitLink(page, `Leave ${carol.name} Ltd…`);
    expect(leave.status).toBe(200);
    expect(textContent(leave.html)).toContain('You are the only person who signs in for');
    expect(formsOf(leave.html).some((f) => f.action.includes('/leave'))).toBe(false);

    const stranger = new TestBrowser();
    const refused = await openPage(stranger, alice);
    expect([refused.status, headingOf(refused.html)]).toEqual([403, 'This sign-in is not linked yet']);
    // No dead end: the way to each portal, where the association flow links the sign-in.
    expect(textContent(refused.html)).toContain('Back to CustomerSource');
    expect((await stranger.navigate(`${stack.brokerUrl}/me`)).html).toContain('/me/login');
  });

  it('adds a sign-in proved at the upstream, tells the registered address, and removes one only after a fresh sign-in with a kept one', async () => {
    const browser = new TestBrowser();
    const page = await openPage(browser, carol);
    // Cancelled at the provider: back on the page, which says nothing changed.
    const cancelled = await browser.submit(
      await browser.submit(page, '/me/sign-ins/add', { upstreamId: 'demo' }),
      '/abort',
    );
    expect(cancelled.url).toBe(`${stack.brokerUrl}/me?done=cancelled`);
    expect(textContent(cancelled.html)).toContain('Nothing changed: the sign-in at the provider was cancelled.');
    // Carol adds her other account at Demo ID (it uses Bob's test login), freshly signed in there.
    const upstream = await browser.submit(page, '/me/sign-ins/add', { upstreamId: 'demo' });
    const added = await signInUpstream(browser, upstream, bob);
    expect(textContent(added.html)).toContain('The sign-in was added.');
    const notice = (await mailing.sentMail()).find((m) => m.to === `billing+${carol.sub}@example.com`);
    expect(notice?.subject).toBe('Your sign-in was associated with your customer account');
    expect(notice?.text).toContain(`${stack.brokerUrl}/me`);
    expect((await recentAudit(stack.db, { type: 'person.identity-added' }))[0]).toMatchObject({
      actor: carolsAccount,
      personId: carolsAccount,
      subject: bob.sub,
    });
    // Bob's login now signs in as Carol at the portal: the change is seen by the next sign-in at once.
    const { callback } = await signIn(new TestBrowser(), portal, bob);
    expect(callback.url.startsWith(portal.redirectUri)).toBe(true);

    const person = await api('GET', `/people/${carolsAccount}`);
    const bobsSignIn = (person.signIns as Array<{ id: string; subject: string }>).find((s) => s.subject === bob.sub)!;
    const carolsSignIn = (person.signIns as Array<{ id: string; subject: string }>).find(
      (s) => s.subject === carol.sub,
    )!;
    const withTwo = await browser.navigate(`${stack.brokerUrl}/me`);
    const ask = await browser.navigate(`${stack.brokerUrl}/me/sign-ins/${bobsSignIn.id}/remove`);
    expect(headingOf(ask.html)).toBe('Remove Demo ID?');
    expect(withTwo.html).toContain(`/me/sign-ins/${bobsSignIn.id}/remove`);

    // Proved with the wrong sign-in (the one being removed): refused, nothing removed.
    const wrong = await signInUpstream(
      browser,
      await browser.submit(ask, `/me/sign-ins/${bobsSignIn.id}/remove`, { keptIdentityId: carolsSignIn.id }),
      bob,
    );
    expect([wrong.status, headingOf(wrong.html)]).toEqual([403, 'A different sign-in']);
    expect((await api('GET', `/people/${carolsAccount}`)).signIns).toHaveLength(2);

    const proved = await signInUpstream(
      browser,
      await browser.submit(ask, `/me/sign-ins/${bobsSignIn.id}/remove`, { keptIdentityId: carolsSignIn.id }),
      carol,
    );
    expect(textContent(proved.html)).toContain('The sign-in was removed.');
    expect((await api('GET', `/people/${carolsAccount}`)).signIns).toHaveLength(1);
    expect(textContent(proved.html)).toContain('You removed a sign-in');
    // Added at once: one entry says so, not also an e-mailed confirmation that never happened.
    expect(textContent(proved.html)).toContain('You added a sign-in');
    expect(textContent(proved.html)).not.toContain('linked through the e-mailed link');
    // Each sign-in is named by the address it reported, so the two at one provider are told apart.
    expect(textContent(withTwo.html)).toContain(`Remove Demo ID (${bob.email})…`);
    // Whoever signs in with it is a stranger again: the association page.
    const again = await signIn(new TestBrowser(), portal, bob);
    expect(headingOf(again.callback.html)).toBe('Associate your account');
  });

  it('leaves an account that has another member; the next sign-in no longer sees it', async () => {
    const account = await api('POST', '/accounts', { customerNumber: 'T-1', name: 'Two People Ltd' });
    const first = await api('POST', `/accounts/${account.id}/contacts`, { email: 'one@two.example' });
    const second = await api('POST', `/accounts/${account.id}/contacts`, { email: 'two@two.example' });
    await api('POST', `/contacts/${first.id}/sign-ins`, { upstreamId: 'demo', subject: carol.sub });
    await api('POST', `/contacts/${second.id}/sign-ins`, { upstreamId: 'demo', subject: alice.sub });
    // A second broker process has Carol's two accounts cached (accountCacheTtl is a minute here).
    await stack.addBrokerProcess();
    stack.answer(1);
    const choosing = await signIn(new TestBrowser(), portal, carol);
    expect(textContent(choosing.callback.html)).toContain('Two People Ltd');
    stack.answer(0);
    const browser = new TestBrowser();
    const page = await openPage(browser, carol);
    const ask = await browser.submitLink(page, 'Leave Two People Ltd…');
    expect(textContent(ask.html)).toContain('give one@two.example');
    // Without the form's CSRF token, nothing happens.
    const forged = await browser.navigate(new URL(formsOf(ask.html)[0]!.action, ask.url).href, {
      method: 'POST',
      form: {},
    });
    expect(forged.status).toBe(403);
    const left = await browser.submit(ask, '/leave');
    expect(textContent(left.html)).toContain('You have left the account.');
    expect(textContent(left.html)).not.toContain('Two People Ltd…');
    // Alice stays the account's member; Carol is not one any more.
    const members = (await api('GET', `/accounts/${account.id}`)).members as Array<{ personId: string }>;
    expect(members.map((m) => m.personId)).not.toContain(carolsAccount);
    expect(members).toHaveLength(1);
    expect((await recentAudit(stack.db, { type: 'person.membership-left' }))[0]).toMatchObject({
      actor: carolsAccount,
      accountId: account.id,
    });
    // The stale confirmation page, submitted again (a second tab): nothing left to leave, nothing changed.
    const stale = await browser.submit(ask, '/leave');
    expect([stale.status, headingOf(stale.html)]).toEqual([404, 'Not found']);
    expect((await api('GET', `/accounts/${account.id}`)).members).toHaveLength(1);
    // In both processes, the portal's account choice no longer offers it: one account left, signed in at once.
    for (const process of [0, 1]) {
      stack.answer(process);
      const { callback } = await signIn(new TestBrowser(), portal, carol);
      expect([process, callback.url.startsWith(portal.redirectUri)]).toEqual([process, true]);
    }
    stack.answer(0);
  });

  it("never shows or changes another person's memberships, sign-ins or activity (ids swapped in every URL and form)", async () => {
    const alicePerson = (await api('GET', `/people?signIn=demo:${alice.sub}`)).people[0] as { id: string };
    const alices = await api('GET', `/people/${alicePerson.id}`);
    const alicesMembership = (alices.memberships as Array<{ membershipId: string }>)[0]!.membershipId;
    const alicesSignIn = (alices.signIns as Array<{ id: string }>)[0]!.id;
    const browser = new TestBrowser();
    const page = await openPage(browser, carol);
    expect(textContent(page.html)).not.toContain('Two People Ltd');

    const tries: Array<[string, Page]> = [
      ['leave page', await browser.navigate(`${stack.brokerUrl}/me/accounts/${alicesMembership}/leave`)],
      ['remove page', await browser.navigate(`${stack.brokerUrl}/me/sign-ins/${alicesSignIn}/remove`)],
    ];
    const csrf = formsOf(page.html).find((f) => f.action === '/me/sign-out-everywhere')!.fields._csrf!;
    for (const [name, path, form] of [
      ['leave', `/me/accounts/${alicesMembership}/leave`, {}],
      ['remove', `/me/sign-ins/${alicesSignIn}/remove`, { keptIdentityId: alicesSignIn }],
      ['remove keeping hers', `/me/sign-ins/${alicesSignIn}/remove`, { keptIdentityId: alicesSignIn }],
    ] as const) {
      tries.push([
        name,
        await browser.navigate(`${stack.brokerUrl}${path}`, { method: 'POST', form: { ...form, _csrf: csrf } }),
      ]);
    }
    expect(tries.map(([name, answer]) => [name, answer.status, headingOf(answer.html)])).toEqual(
      tries.map(([name]) => [name, 404, 'Not found']),
    );
    const after = await api('GET', `/people/${alicePerson.id}`);
    expect([after.memberships.length, after.signIns.length]).toEqual([1, 1]);
    // Her page's activity names none of Alice's sign-ins or changes.
    expect(page.html).not.toContain(alice.sub);
    const data = JSON.parse((await browser.request(`${stack.brokerUrl}/me/data`).then((r) => r.text())) || '{}');
    expect(JSON.stringify(data)).not.toContain(alice.sub);
    expect(JSON.stringify(data)).not.toContain(alicePerson.id);
  });

  it('downloads everything stored about the person as JSON, without secrets', async () => {
    const browser = new TestBrowser();
    await openPage(browser, carol);
    const answer = await browser.request(`${stack.brokerUrl}/me/data`);
    expect(answer.headers.get('content-disposition')).toMatch(/attachment/);
    const data = (await answer.json()) as { recentSignIns: unknown[] };
    expect(data).toMatchObject({
      person: { id: carolsAccount },
      signIns: [expect.objectContaining({ subject: carol.sub, upstreamId: 'demo' })],
      accounts: expect.arrayContaining([
        expect.objectContaining({ account: expect.objectContaining({ id: carolsAccount }) }),
      ]),
      erasure: { askAt: 'help@broker.example' },
    });
    expect(data.recentSignIns.length).toBeGreaterThan(0);
    expect(JSON.stringify(data)).not.toMatch(/tokenHash|token"/);
    expect((await recentAudit(stack.db, { type: 'person.data-exported' }))[0]?.personId).toBe(carolsAccount);
    // Without a page session there is nothing to download.
    expect((await new TestBrowser().request(`${stack.brokerUrl}/me/data`)).status).toBe(401);
  });

  it('signs out everywhere: portal sessions end (the next authorization needs the upstream) and so does every page session', async () => {
    const portalBrowser = new TestBrowser();
    await signIn(portalBrowser, portal, carol);
    const silent = async () => {
      const attempt = await portal.authorizationRequest({ prompt: 'none' });
      const answer = await portalBrowser.navigate(attempt.url.href, {}, attempt.redirectUri);
      return new URL(answer.url).searchParams.get('error');
    };
    expect(await silent()).toBeNull();
    const elsewhere = new TestBrowser();
    await openPage(elsewhere, carol);
    const browser = new TestBrowser();
    const page = await openPage(browser, carol);
    const done = await browser.submit(page, '/me/sign-out-everywhere');
    expect(headingOf(done.html)).toBe('You are signed out');
    expect(await silent()).toBe('login_required');
    // The page session in the other browser ended too.
    const other = await elsewhere.navigate(`${stack.brokerUrl}/me`);
    expect(other.html).toContain('/me/login');
    expect((await recentAudit(stack.db, { type: 'person.signed-out-everywhere' }))[0]?.actor).toBe(carolsAccount);
  });

  it('ends a page session whose sign-in support removed: every action asks to sign in again and changes nothing', async () => {
    const carols = await api('GET', `/accounts/${carolsAccount}`);
    const contactId = (carols.contacts as Array<{ id: string }>)[0]!.id;
    await api('POST', `/contacts/${contactId}/sign-ins`, { upstreamId: 'demo', subject: bob.sub });
    const browser = new TestBrowser();
    const page = await openPage(browser, bob);
    expect(textContent(page.html)).toContain(`${carol.name} Ltd`);
    const person = await api('GET', `/people/${carolsAccount}`);
    const bobsSignIn = (person.signIns as Array<{ id: string; subject: string }>).find((s) => s.subject === bob.sub)!;
    await api('DELETE', `/sign-ins/${bobsSignIn.id}`);

    const reloaded = await browser.navigate(`${stack.brokerUrl}/me`);
    expect(reloaded.html).toContain('/me/login');
    expect(textContent(reloaded.html)).not.toContain(`${carol.name} Ltd`);
    const leave = await browser.navigate(`${stack.brokerUrl}/me/accounts/x/leave`);
    expect([leave.status, headingOf(leave.html)]).toEqual([401, 'Please sign in again']);
    const everywhere = await browser.submit(page, '/me/sign-out-everywhere');
    expect([everywhere.status, headingOf(everywhere.html)]).toEqual([401, 'Please sign in again']);
    expect(await recentAudit(stack.db, { type: 'person.signed-out-everywhere' })).toHaveLength(1);
  });

  it("leaves oidc-provider's userinfo at /me to portals with an access token", async () => {
    const browser = new TestBrowser();
    const { attempt, callback } = await signIn(browser, portal, carol);
    const tokens = await portal.exchange(callback.url, attempt);
    const userinfo = await fetch(`${stack.brokerUrl}/me`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(userinfo.status).toBe(200);
    expect(((await userinfo.json()) as { sub?: string }).sub).toBeDefined();
  });
});
