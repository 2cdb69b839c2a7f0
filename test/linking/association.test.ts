import { identityModel } from '../../src/accounts/identity-model.ts';
import { membershipModel } from '../../src/accounts/membership-model.ts';
import { pendingAssociationModel } from '../../src/linking/pending-association-model.ts';
import { TestBrowser, formsOf, headingOf, textContent, textOf, type Page } from '../support/browser.ts';
import { TestPortal, loginUpstream, signIn } from '../support/portal.ts';
import { linkIn, mailOf, startSendGridSink, type SendGridSink, type SentMail } from '../support/sendgrid-sink.ts';
import { demoUser, startStack, TEST_CLIENTS, type Stack } from '../support/stack.ts';
import { recentAudit } from '../support/records.ts';

const carol = demoUser('carol');
const bob = demoUser('bob');
const REGISTERED = 'office@carol-and-co.example';
const HOME = 'http://127.0.0.1:9/customersource/';
/** The portal's own sign-in start (initiate_login_uri), where a person continues who cannot resume the sign-in. */
const SIGN_IN = 'http://127.0.0.1:9/customersource/login';

describe('first login: associating an upstream identity with a customer account', () => {
  let sink: SendGridSink;
  let stack: Stack;
  let portal: TestPortal;
  let accountId: string;

  beforeAll(async () => {
    sink = await startSendGridSink({ apiKey: 'SG.test-key' });
    stack = await startStack({
      clients: TEST_CLIENTS.map((c) => ({ ...c, homeUrl: HOME, initiateLoginUri: SIGN_IN })),
      mail: {
        from: { email: 'accounts@broker.example', name: 'Customer Accounts' },
        support: 'help@broker.example',
        transport: 'sendgrid',
        sendgrid: { apiKey: 'SG.test-key', baseUrl: sink.url },
        retry: { maxAttempts: 3, initialDelay: '1s' },
      },
      linking: { linkTtl: '1h', limits: { perIdentity: 50, perAddress: 50, perIp: 500 } },
    });
    portal = await TestPortal.discover(stack);
    accountId = await stack.seedAccount({ name: 'Carol & Co', email: REGISTERED, customerNumber: '100003' });
  });
  afterAll(async () => {
    await stack.close();
    await sink.close();
  });

  async function deliver(): Promise<SentMail[]> {
    const before = sink.received.length;
    await stack.broker.deliverMail();
    return sink.received.slice(before).map(mailOf);
  }

  /** Portal → broker → upstream → "Associate your account" → registered address → "Thank you". */
  async function requestAssociation(browser: TestBrowser, user = carol, address = REGISTERED): Promise<Page> {
    const { callback } = await signIn(browser, portal, user);
    expect(headingOf(callback.html)).toBe('Associate your account');
    expect(textContent(callback.html)).toContain("Don't know it? Write to help@broker.example.");
    return browser.submit(callback, '/associate', { email: address }, portal.redirectUri);
  }

  /** Opens the link in `browser`, presses confirm and signs in upstream as `user`. */
  async function confirm(browser: TestBrowser, link: string, user = carol): Promise<Page> {
    const page = await browser.navigate(link);
    expect(headingOf(page.html)).toBe('Confirm the association');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const form = formsOf(page.html).find((f) => f.action === '/link/confirm');
    const pressed = await browser.request(new URL('/link/confirm', page.url).href, { form: form?.fields ?? {} });
    // Forced re-authentication upstream, and the token has left every URL from here on.
    const upstream = new URL(pressed.headers.get('location') ?? '');
    expect(upstream.searchParams.get('prompt')).toBe('login');
    expect(upstream.searchParams.get('max_age')).toBe('0');
    expect(upstream.href).not.toContain(new URL(link).searchParams.get('token'));
    const upstreamLogin = await browser.navigate(upstream.href);
    return loginUpstream(browser, upstreamLogin, user, portal.redirectUri);
  }

  async function linkedIdentities(subject: string): Promise<number> {
    return identityModel(stack.db).countDocuments({ subject });
  }

  afterEach(async () => {
    // Deliver what a test left queued (the "linked" notice), so the next test sees only its own e-mails.
    await deliver();
    await identityModel(stack.db).deleteMany({ subject: { $in: [carol.sub, bob.sub] } });
    await membershipModel(stack.db).deleteMany({});
    await pendingAssociationModel(stack.db).deleteMany({});
    await stack.directoryChanged();
  });

  it('walks the whole story: no code before confirmation, e-mail to the registered address, link, re-authentication, link, tokens', async () => {
    const browser = new TestBrowser();
    const thanks = await requestAssociation(browser);
    expect(headingOf(thanks.html)).toBe('Thank you');
    expect(textOf(thanks.html, 'sent-to')).toBe(
      'If o***@carol-and-co.example is registered on a customer account, an e-mail with a link is on its way to it.',
    );
    expect(thanks.url.startsWith(portal.redirectUri)).toBe(false);

    // Signing in again before confirming still yields no code.
    const again = await signIn(new TestBrowser(), portal, carol);
    expect(headingOf(again.callback.html)).toBe('Associate your account');

    const [mail, ...more] = await deliver();
    expect(more).toEqual([]);
    expect(mail).toMatchObject({ to: REGISTERED, from: 'accounts@broker.example' });
    // The sign-in is named by its masked address, never by what the provider lets the person choose.
    expect(mail?.text).toContain(`The sign-in "c***@example.net" at Demo ID`);
    expect(mail?.text).toContain('It was asked for while signing in to CustomerSource.');
    expect(mail?.text).not.toContain(carol.email);
    const link = linkIn(mail!);

    // The link works in any browser: here a fresh one, with no session at the broker.
    const fresh = new TestBrowser();
    const success = await confirm(fresh, link);
    expect(headingOf(success.html)).toBe('Your sign-in is associated');
    expect(textContent(success.html)).toContain(
      'You have successfully associated your sign-in with your customer account Carol & Co.',
    );
    expect(await linkedIdentities(carol.sub)).toBe(1);

    // Continue: the original authorization request lives in the other browser, so this one goes to the portal's home.
    // Another browser than the one that signed in: the portal's own sign-in start, told who sends the person.
    const cont = await fresh.submitLink(success, 'Continue', SIGN_IN);
    expect(cont.url).toBe(`${SIGN_IN}?iss=${encodeURIComponent(stack.brokerUrl)}`);

    const [notice] = await deliver();
    expect(notice).toMatchObject({ to: REGISTERED });
    expect(notice?.text).toContain('Carol & Co');
    // When and from which browser, so the address's owner can tell whether it was them.
    expect(notice?.text).toContain('It was confirmed while signing in to CustomerSource.');
    expect(notice?.text).toMatch(/When: \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC · Browser: \S/);

    // From now on, signing in upstream is all it takes.
    const { attempt, callback } = await signIn(new TestBrowser(), portal, carol);
    const tokens = await portal.exchange(callback.url, attempt);
    expect(tokens.claims()).toMatchObject({ email: REGISTERED, customer_number: '100003', account_name: 'Carol & Co' });
    // The sub is the person Carol is now, and the account is what she acts for.
    const [identity] = await identityModel(stack.db).find({ subject: carol.sub }).lean();
    expect(tokens.claims()?.sub).toBe(identity?.personId.toString());
    expect(await membershipModel(stack.db).countDocuments({ personId: identity?.personId, accountId })).toBe(1);
  });

  it('resumes the original authorization request when confirmed in the same browser', async () => {
    const browser = new TestBrowser();
    await requestAssociation(browser);
    const [mail] = await deliver();
    const success = await confirm(browser, linkIn(mail!));
    const atPortal = await browser.submitLink(success, 'Continue', portal.redirectUri);
    expect(new URL(atPortal.url).searchParams.get('code')).toBeTruthy();
  });

  it('refuses a different upstream identity at confirmation, links nothing, and keeps the link usable', async () => {
    await requestAssociation(new TestBrowser());
    const [mail] = await deliver();
    const link = linkIn(mail!);
    const refused = await confirm(new TestBrowser(), link, bob);
    expect(refused.status).toBe(403);
    expect(headingOf(refused.html)).toBe('This is a different sign-in');
    expect(await linkedIdentities(bob.sub)).toBe(0);
    expect(await linkedIdentities(carol.sub)).toBe(0);
    const audit = await recentAudit(stack.db, { type: 'association.refused' });
    expect(audit[0]).toMatchObject({ reason: 'identity-mismatch', subject: carol.sub });

    const success = await confirm(new TestBrowser(), link, carol);
    expect(headingOf(success.html)).toBe('Your sign-in is associated');
  });

  it('does not accept a link twice', async () => {
    await requestAssociation(new TestBrowser());
    const link = linkIn((await deliver())[0]!);
    await confirm(new TestBrowser(), link);
    const reused = await new TestBrowser().navigate(link);
    expect(reused.status).toBe(410);
    expect(headingOf(reused.html)).toBe('This link was already used');
  });

  it('cancels at "This wasn\'t me": the link stops working, nothing is associated, and the refusal is audited', async () => {
    await requestAssociation(new TestBrowser());
    const [mail] = await deliver();
    const browser = new TestBrowser();
    const page = await browser.navigate(linkIn(mail!));
    const cancelled = await browser.submit(page, '/link/cancel');
    expect(headingOf(cancelled.html)).toBe('Request cancelled');
    expect(textContent(cancelled.html)).toContain(
      'The link no longer works and nothing was associated. If you are worried about this request, write to help@broker.example.',
    );
    const again = await new TestBrowser().navigate(linkIn(mail!));
    expect(headingOf(again.html)).toBe('This link was cancelled');
    expect(await linkedIdentities(carol.sub)).toBe(0);
    const [event] = await recentAudit(stack.db, { type: 'association.cancelled' });
    expect(event).toMatchObject({ subject: carol.sub, reason: 'cancelled-by-recipient' });
  });

  it('tells the owner of an address that already signs in, and adds a confirmed sign-in to that same person', async () => {
    const bobPerson = await stack.seedLinkedAccount(bob, { email: 'office@bob.example' });
    const thanks = await requestAssociation(new TestBrowser(), carol, 'office@bob.example');
    expect(headingOf(thanks.html)).toBe('Thank you');
    const [mail] = await deliver();
    expect(mail?.to).toBe('office@bob.example');
    expect(mail?.text).toContain(
      'Someone already signs in with this address. Follow the link only if the new sign-in is also yours',
    );
    expect(mail?.text).toContain(
      'A colleague who needs access should ask help@broker.example to register their own address.',
    );

    const linked = await confirm(new TestBrowser(), linkIn(mail!));
    expect(headingOf(linked.html)).toBe('Your sign-in is associated');
    const [identity] = await identityModel(stack.db).find({ subject: carol.sub }).lean();
    expect(identity?.personId.toString()).toBe(bobPerson);
    const [notice] = await deliver();
    expect(notice?.text).toContain('The sign-in was added to the person who already signs in with this address.');
    await membershipModel(stack.db).deleteMany({ personId: identity?.personId });
    await stack.directoryChanged();
  });

  it('refuses an expired link with a way to start again', async () => {
    await requestAssociation(new TestBrowser());
    const link = linkIn((await deliver())[0]!);
    await pendingAssociationModel(stack.db).updateMany({}, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const page = await new TestBrowser().navigate(link);
    expect(page.status).toBe(410);
    expect(headingOf(page.html)).toBe('This link has expired');
    expect(page.html).toContain(`href="${HOME}"`);
    expect(await linkedIdentities(carol.sub)).toBe(0);
  });

  it('supersedes an older link by a newer request', async () => {
    await requestAssociation(new TestBrowser());
    const first = linkIn((await deliver())[0]!);
    await requestAssociation(new TestBrowser());
    await deliver();
    const page = await new TestBrowser().navigate(first);
    expect(headingOf(page.html)).toBe('A newer link was sent');
  });

  it('links exactly once when one link is confirmed twice in parallel', async () => {
    await requestAssociation(new TestBrowser());
    const link = linkIn((await deliver())[0]!);
    const callbackPrefix = `${stack.brokerUrl}/upstream/demo/callback`;
    const browsers = [new TestBrowser(), new TestBrowser()];
    const callbacks = await Promise.all(
      browsers.map(async (browser) => {
        const page = await browser.navigate(link);
        const upstreamLogin = await browser.submit(page, '/link/confirm');
        return (await loginUpstream(browser, upstreamLogin, carol, callbackPrefix)).url;
      }),
    );
    const results = await Promise.all(browsers.map((browser, i) => browser.navigate(callbacks[i]!)));
    expect(results.some((page) => headingOf(page.html) === 'Your sign-in is associated')).toBe(true);
    expect(await linkedIdentities(carol.sub)).toBe(1);
    const notices = (await deliver()).filter((m) => m.subject.includes('was associated'));
    expect(notices).toHaveLength(1);
  });

  it('answers an unknown address with the same page and sends no e-mail', async () => {
    const known = await requestAssociation(new TestBrowser(), carol, REGISTERED);
    expect(await deliver()).toHaveLength(1);
    await pendingAssociationModel(stack.db).deleteMany({});
    const unknown = await requestAssociation(new TestBrowser(), carol, 'nobody@unknown.example');
    expect(await deliver()).toEqual([]);
    // What a person reads is the same, word for word, whether or not the address is registered.
    expect(headingOf(unknown.html)).toBe('Thank you');
    expect(textContent(unknown.html).replace('n***@unknown.example', 'o***@carol-and-co.example')).toBe(
      textContent(known.html),
    );
    const pending = await pendingAssociationModel(stack.db).findOne({ subject: carol.sub }).lean();
    expect(pending).toMatchObject({ contactIds: [], status: 'pending' });
    const audit = await recentAudit(stack.db, { type: 'association.requested' });
    expect(JSON.stringify(audit[0])).not.toContain('nobody@unknown.example');
  });

  it('refuses a form without its CSRF token', async () => {
    const browser = new TestBrowser();
    const { callback } = await signIn(browser, portal, carol);
    const refused = await browser.submit(callback, '/associate', { email: REGISTERED, _csrf: '' });
    expect(refused.status).toBe(403);
    expect(await pendingAssociationModel(stack.db).countDocuments({})).toBe(0);
  });

  it('shows the form again with a message tied to the field for an address that is not one', async () => {
    const browser = new TestBrowser();
    const { callback } = await signIn(browser, portal, carol);
    const page = await browser.submit(callback, '/associate', { email: 'not-an-address' });
    expect(page.status).toBe(422);
    expect(page.html).toContain('aria-invalid="true"');
    expect(textOf(page.html, 'email-error')).toBe('Enter an e-mail address, like name@example.com.');
  });
});
