import { identityModel } from '../../src/accounts/identity-model.ts';
import { operationNamed } from '../../src/admin/api/run-operation.ts';
import { roleAllows } from '../../src/admin/admin-roles.ts';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { MongoWebhookDeliveryStore } from '../../src/events/webhook-delivery-store.ts';
import { SupportRequests } from '../../src/support-requests/support-requests.ts';
import { TestBrowser, formsOf, headingOf, textContent, type Page } from '../support/browser.ts';
import { loginUpstream, signIn, type TestPortal } from '../support/portal.ts';
import { recentAudit } from '../support/records.ts';
import { startMailingStack, type MailingStack } from '../support/mailing-stack.ts';
import type { SendGridSink } from '../support/sendgrid-sink.ts';
import { UPSTREAM_CLIENT, demoUser, type Stack } from '../support/stack.ts';
import { silentLogger } from '../support/stores.ts';
import { seedLinkedAccount } from '../parties/seed-linked-account.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../events/support/webhook-receiver.ts';
import { newWebhookSecret } from '../events/support/webhook-secret.ts';
import { consoleConfig, deliveredMail, linkOf } from './support/admin-client.ts';

const alice = demoUser('alice');
const bob = demoUser('bob');
const carol = demoUser('carol');

describe('the support console at /admin', () => {
  let mailing: MailingStack;
  let stack: Stack;
  let sink: SendGridSink;
  let portal: TestPortal;
  let fabrikam: string;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    // The customer system's endpoint, told of support requests only (the events the webhook tests below cause).
    const secret = newWebhookSecret();
    receiver = await startWebhookReceiver(secret);
    mailing = await startMailingStack(({ upstreamUrl }) => ({
      admin: { console: consoleConfig(upstreamUrl, UPSTREAM_CLIENT) },
      accountCacheTtl: '0s',
      linking: { limits: { perIdentity: 50, perAddress: 50, perIp: 500 } },
      webhooks: [{ url: receiver.url, secret, events: ['support-request.created'], allowPrivateNetwork: true }],
    }));
    ({ stack, sink, portal } = mailing);
    fabrikam = await stack.seedAccount({
      name: 'Fabrikam',
      email: ['purchasing@fabrikam.example'],
      customerNumber: 'C-2002',
    });
  });
  afterAll(async () => {
    await mailing.close();
    await receiver.close();
  });

  /** Signs `user` in to the console through the staff upstream; returns the page the console then shows. */
  async function consoleSignIn(
    user = carol,
    browser = new TestBrowser(),
  ): Promise<{ browser: TestBrowser; page: Page }> {
    const gate = await browser.navigate(`${stack.brokerUrl}/admin`);
    expect(gate.status).toBe(401);
    const upstreamLogin = await browser.submitLink(gate, 'Sign in with your work account');
    const page = await loginUpstream(browser, upstreamLogin, user, 'never');
    return { browser, page };
  }

  async function associationPage(user = alice): Promise<{ browser: TestBrowser; page: Page }> {
    const browser = new TestBrowser();
    const { callback } = await signIn(browser, portal, user);
    expect(formsOf(callback.html).some((f) => f.action.includes('/associate'))).toBe(true);
    return { browser, page: callback };
  }

  it('shows nothing without a console session: every page answers with the sign-in page', async () => {
    const browser = new TestBrowser();
    for (const path of [
      '/admin',
      `/admin/accounts/${fabrikam}`,
      '/admin/search?q=C-2002',
      '/admin/support-requests',
      '/admin/outbox',
      '/admin/webhooks',
      '/admin/search?signIn=demo%3Aalice-0001',
      '/admin/audit',
    ]) {
      const page = await browser.navigate(`${stack.brokerUrl}${path}`);
      expect([path, page.status, headingOf(page.html)]).toEqual([path, 401, 'Sign in to the support console']);
      expect(page.html).not.toContain('Fabrikam');
      expect(page.headers.get('cache-control')).toBe('no-store');
    }
    const action = await browser.request(`${stack.brokerUrl}/admin/actions/addContact`, {
      form: { accountId: fabrikam, email: 'x@fabrikam.example' },
    });
    expect(action.status).toBe(401);
  });

  it('refuses a customer: their portal sign-in opens nothing, and signing in at the staff upstream as a non-staff identity is refused and audited', async () => {
    const { browser } = await associationPage(alice);
    const gate = await browser.navigate(`${stack.brokerUrl}/admin`);
    expect(gate.status).toBe(401);
    const upstreamLogin = await browser.submitLink(gate, 'Sign in with your work account');
    // Demo ID still has Alice's session from the portal sign-in: it may answer at once, or ask her to sign in.
    const refused = upstreamLogin.url.startsWith(stack.upstreamUrl)
      ? await loginUpstream(browser, upstreamLogin, alice, 'never')
      : upstreamLogin;
    expect([refused.status, headingOf(refused.html)]).toEqual([403, 'No access to the support console']);
    expect(textContent(refused.html)).toContain(alice.email);
    expect((await browser.navigate(`${stack.brokerUrl}/admin`)).status).toBe(401);
    const [event] = await recentAudit(stack.db, { type: 'admin.console-refused' });
    expect(event).toMatchObject({ upstreamId: 'staff', subject: alice.sub });
  });

  it('lets support staff search, open an account and resend a link to the registered address, audited with the staff member', async () => {
    const customer = await associationPage(alice);
    await customer.browser.submit(
      customer.page,
      '/associate',
      { email: 'Purchasing@fabrikam.example' },
      portal.redirectUri,
    );
    const [first] = await deliveredMail(stack, sink);
    const firstLink = linkOf(first!);

    const { browser, page: home } = await consoleSignIn(bob);
    expect(headingOf(home.html)).toBe('Overview');
    const results = await browser.submit(home, '/admin/search', { q: 'purchasing@fabrikam.example' });
    const account = await browser.submitLink(results, 'C-2002');
    expect(headingOf(account.html)).toBe('Fabrikam C-2002');
    expect(textContent(account.html)).toContain('p***@fabrikam.example');
    // Support reads and resends; the forms that change accounts are not offered to it.
    expect(formsOf(account.html).map((f) => f.action)).not.toContain('/admin/actions/addContact');

    const resent = await browser.submit(account, '/admin/actions/resendAssociation');
    expect(resent.url).toBe(`${stack.brokerUrl}/admin/accounts/${fabrikam}?done=resendAssociation`);
    expect(textContent(resent.html)).toContain('A new link is on its way to the registered address');
    const mails = await deliveredMail(stack, sink);
    expect(mails.map((m) => m.to)).toEqual(['purchasing@fabrikam.example']);
    expect(linkOf(mails[0]!)).not.toBe(firstLink);
    const [event] = await recentAudit(stack.db, { type: 'admin.association-resent' });
    expect(event?.detail).toMatchObject({ actor: 'staff:bob@example.net', role: 'support' });

    // An admin-only action posted anyway is refused by the same role check as the API.
    const forbidden = await browser.request(`${stack.brokerUrl}/admin/actions/addContact`, {
      form: {
        _csrf: formsOf(account.html)[0]?.fields._csrf ?? '',
        accountId: fabrikam,
        email: 'x@fabrikam.example',
        return: `/admin/accounts/${fabrikam}`,
      },
    });
    expect(forbidden.status).toBe(403);
    expect(textContent(await forbidden.text())).toContain('this operation needs the role admin');
  });

  it("refuses an action without the form's CSRF token", async () => {
    const { browser } = await consoleSignIn(carol);
    const response = await browser.request(`${stack.brokerUrl}/admin/actions/changeAccount`, {
      form: { accountId: fabrikam, status: 'disabled' },
    });
    expect(response.status).toBe(403);
    const account = await browser.navigate(`${stack.brokerUrl}/admin/accounts/${fabrikam}`);
    expect(textContent(account.html)).toContain('Status active');
  });

  it('resolves a support request from the association page: the address becomes a contact, the link is resent and reaches the person', async () => {
    const tailspin = await stack.seedAccount({
      name: 'Tailspin Toys',
      email: ['orders@tailspin.example'],
      customerNumber: 'C-4004',
    });
    const customer = await associationPage(alice);
    await customer.browser.submit(
      customer.page,
      '/associate',
      { email: 'alice.work@tailspin.example' },
      portal.redirectUri,
    );
    expect(await deliveredMail(stack, sink)).toEqual([]);
    const again = await associationPage(alice);
    await again.browser.submit(again.page, '/support-request', {
      replyTo: 'alice.work@tailspin.example',
      customer: 'C-4004',
      message: 'My address is not accepted.',
    });
    await deliveredMail(stack, sink);

    const { browser, page: home } = await consoleSignIn(carol);
    const requests = await browser.submitLink(home, 'Open support requests: 1');
    const text = textContent(requests.html);
    expect(text).toContain('From alice.work@tailspin.example');
    expect(text).toContain(`demo: a***@example.net ${alice.sub}`);
    expect(text).toContain('a***@tailspin.example waiting for confirmation');

    const found = await browser.submitLink(requests, 'Find it');
    const account = await browser.submitLink(found, 'C-4004');
    const added = await browser.submit(account, '/admin/actions/addContact', { email: 'alice.work@tailspin.example' });
    expect(added.url).toContain(`/admin/accounts/${tailspin}?done=addContact`);

    const back = await browser.navigate(`${stack.brokerUrl}/admin/support-requests`);
    const resent = await browser.submit(back, '/admin/actions/resendAssociation');
    expect(textContent(resent.html)).toContain('A new link is on its way');
    const [mail] = await deliveredMail(stack, sink);
    expect(mail?.to).toBe('alice.work@tailspin.example');
    const resolved = await browser.submit(resent, '/admin/actions/resolveSupportRequest', {
      note: 'registered the address',
    });
    expect(textContent(resolved.html)).toContain('No open support requests.');

    const audit = await recentAudit(stack.db, { type: 'admin.contact-added' });
    expect(audit[0]?.detail).toMatchObject({ actor: 'staff:carol-0003', role: 'admin' });
    expect((await recentAudit(stack.db, { type: 'admin.support-request-resolved' }))[0]?.detail).toMatchObject({
      actor: 'staff:carol-0003',
      note: 'registered the address',
    });
  });

  it("links a sign-in to a contact on a person's behalf (admins only); the registered address is told", async () => {
    const contoso = await stack.seedAccount({
      name: 'Contoso',
      email: ['it@contoso.example'],
      customerNumber: 'C-5005',
    });
    const { browser } = await consoleSignIn(carol);
    const account = await browser.navigate(`${stack.brokerUrl}/admin/accounts/${contoso}`);
    const linked = await browser.submit(account, '/admin/actions/linkSignIn', {
      upstreamId: 'demo',
      subject: bob.sub,
      signInName: 'Bob at the desk',
    });
    expect(linked.url).toContain('done=linkSignIn');
    expect(textContent(linked.html)).toContain('demo: Bob at the desk');
    const [notice] = await deliveredMail(stack, sink);
    expect(notice?.to).toBe('it@contoso.example');
    expect((await recentAudit(stack.db, { type: 'admin.identity-linked' }))[0]?.detail).toMatchObject({
      actor: 'staff:carol-0003',
    });
  });

  it("lets an admin create an account, and writes times in the page's language, in UTC", async () => {
    const { browser } = await consoleSignIn(carol);
    const search = await browser.navigate(`${stack.brokerUrl}/admin/search`);
    const created = await browser.submit(search, '/admin/actions/createAccount', {
      customerNumber: 'C-6006',
      name: 'Woodgrove',
    });
    expect(created.url).toBe(`${stack.brokerUrl}/admin/search?done=createAccount`);
    const found = await browser.navigate(`${stack.brokerUrl}/admin/search?q=C-6006`);
    const account = await browser.submitLink(found, 'C-6006');
    expect(headingOf(account.html)).toBe('Woodgrove C-6006');
    expect(textContent(account.html)).toMatch(/admin\.account-created staff:carol-0003/);
    expect(account.html).toMatch(
      /<time datetime="\d{4}-\d\d-\d\dT[^"]+">[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M UTC<\/time>/,
    );
  });

  it('filters the audit by types, actor and days, and pages through it with a next link carrying the cursor', async () => {
    // 53 expiries at one instant of a past day, and two changes by different actors on the next day.
    const clock = { now: new Date('2026-02-10T08:00:00Z') };
    const audit = new AuditLog(stack.db, silentLogger, { now: () => clock.now });
    for (let n = 0; n < 53; n += 1) await audit.record({ type: 'mail.expired', detail: { n } });
    clock.now = new Date('2026-02-11T09:00:00Z');
    await audit.record({ type: 'admin.contact-added', actor: 'crm-sync', detail: { marker: 'by-crm' } });
    await audit.record({ type: 'admin.contact-changed', actor: 'staff:bob@example.net', detail: { marker: 'by-bob' } });

    const { browser } = await consoleSignIn(bob);
    const start = await browser.navigate(`${stack.brokerUrl}/admin/audit`);
    const form = formsOf(start.html).find((f) => f.action === '/admin/audit');
    // A GET form: it changes nothing, so it carries no CSRF token (the action forms keep theirs).
    expect([form?.method, form?.fields._csrf]).toEqual(['get', undefined]);

    const first = await browser.submit(start, '/admin/audit', {
      type: 'mail.expired',
      from: '2026-02-10',
      to: '2026-02-10',
    });
    const rows = (page: Page) => page.html.match(/<td>mail\.expired<\/td>/g)?.length ?? 0;
    expect(rows(first)).toBe(50);
    expect(first.html).toMatch(/<option value="mail.expired" selected>/);
    const rest = await browser.submitLink(first, 'Next page');
    expect(rest.url).toMatch(/[?&]cursor=[\w-]+/);
    expect(rest.url).toContain('type=mail.expired');
    expect(rows(rest)).toBe(3);
    expect(textContent(rest.html)).not.toContain('Next page');
    const shown = (page: Page) => [...page.html.matchAll(/n=(\d+)/g)].map((m) => Number(m[1]));
    expect([...shown(first), ...shown(rest)].sort((a, b) => a - b)).toEqual([...Array(53).keys()]);

    const byActor = await browser.submit(start, '/admin/audit', {
      actor: 'staff:bob@example.net',
      from: '2026-02-11',
      to: '2026-02-11',
    });
    expect(textContent(byActor.html)).toContain('marker=by-bob');
    expect(textContent(byActor.html)).not.toContain('marker=by-crm');
    const twoTypes = await browser.navigate(
      `${stack.brokerUrl}/admin/audit?type=admin.contact-added&type=admin.contact-changed&from=2026-02-11&to=2026-02-11`,
    );
    expect(textContent(twoTypes.html)).toMatch(
      /admin\.contact-changed staff:bob@example\.net.*admin\.contact-added crm-sync/,
    );
    expect(twoTypes.html).toMatch(/<option value="admin.contact-added" selected>/);
  });

  it('filters support requests by status and text, and pages through them with a next link', async () => {
    const requests = new SupportRequests(stack.db);
    const at = new Date('2026-02-12T08:00:00Z');
    const fields = (n: number, message: string) => ({
      upstreamId: 'demo',
      issuer: stack.upstreamUrl,
      subject: `console-filter-${n}`,
      signInName: 'z***@example.net',
      replyTo: `person${n}@example.net`,
      customer: '',
      message,
      clientId: 'customersource',
      locale: 'en',
    });
    for (let n = 0; n < 51; n += 1) await requests.open(fields(n, `Zebra crossing ${n}`), at);
    const answered = await requests.open(fields(99, 'Answered zebra question'), at);
    await requests.resolve(answered.id, at, 'support-desk');

    const { browser } = await consoleSignIn(bob);
    const start = await browser.navigate(`${stack.brokerUrl}/admin/support-requests`);
    const open = await browser.submit(start, '/admin/support-requests', { q: 'ZEBRA' });
    const shown = (page: Page) =>
      [...textContent(page.html).matchAll(/Zebra crossing (\d+)/g)].map((m) => Number(m[1]));
    expect(shown(open)).toHaveLength(50);
    expect(textContent(open.html)).not.toContain('Answered zebra question');
    const rest = await browser.submitLink(open, 'Next page');
    expect(rest.url).toContain('q=ZEBRA');
    expect([...shown(open), ...shown(rest)].sort((a, b) => a - b)).toEqual([...Array(51).keys()]);

    const any = await browser.submit(start, '/admin/support-requests', { q: 'answered zebra', status: 'any' });
    expect(textContent(any.html)).toContain('Answered zebra question');
    expect(any.html).toMatch(/<option value="any" selected>/);
    const none = await browser.submit(start, '/admin/support-requests', { q: 'no such text' });
    expect(textContent(none.html)).toContain('No support requests match.');
  });

  it('ends the console session on sign-out', async () => {
    const { browser, page } = await consoleSignIn(carol);
    const out = await browser.submit(page, '/admin/logout');
    expect(headingOf(out.html)).toBe('Signed out of the support console');
    expect((await browser.navigate(`${stack.brokerUrl}/admin`)).status).toBe(401);
  });

  /**
   * A support request whose `support-request.created` the endpoint refuses with 410 (gone): the delivery fails at
   * once, without retries. Returns the webhook-id the endpoint saw.
   */
  async function refusedDelivery(message: string): Promise<string> {
    // What earlier tests queued goes out first, so that the scripted refusal meets this request's event.
    await stack.broker.deliverWebhooks();
    const start = receiver.received.length;
    receiver.script({ status: 410 });
    const customer = await associationPage(alice);
    await customer.browser.submit(customer.page, '/support-request', { replyTo: '', customer: '', message });
    await stack.broker.deliverWebhooks();
    const received = receiver.received.slice(start);
    expect(received.map((r) => [r.verified, (r.payload as { type: string }).type])).toEqual([
      [true, 'support-request.created'],
    ]);
    return received[0]?.webhookId ?? '';
  }

  const replayForms = (page: Page) =>
    formsOf(page.html).filter((f) => f.action === '/admin/actions/replayWebhookDelivery');

  it('lists a webhook delivery the endpoint refused, counted on the overview, and replays it with the same webhook-id, audited', async () => {
    const webhookId = await refusedDelivery('Please call me back.');

    const { browser, page: home } = await consoleSignIn(carol);
    const list = await browser.submitLink(home, 'Webhook deliveries that failed: 1');
    expect(headingOf(list.html)).toBe('Failed webhook deliveries');
    const text = textContent(list.html);
    for (const shown of ['support-request.created', webhookId, receiver.url, 'the endpoint answered HTTP 410']) {
      expect(text).toContain(shown);
    }
    expect(list.html).toContain('<td>410</td>');
    expect(list.html).toMatch(/<time datetime="[^"]+">[^<]+ UTC<\/time>/);
    expect(replayForms(list)).toHaveLength(1);

    const replayed = await browser.submit(list, '/admin/actions/replayWebhookDelivery');
    expect(replayed.url).toBe(`${stack.brokerUrl}/admin/webhooks?done=replayWebhookDelivery`);
    expect(textContent(replayed.html)).toContain('The delivery is queued again, with the same webhook-id');
    expect(textContent(replayed.html)).toContain('No failed webhook deliveries.');
    const before = receiver.received.length;
    await stack.broker.deliverWebhooks();
    expect(receiver.received.slice(before).map((r) => [r.webhookId, r.verified])).toEqual([[webhookId, true]]);
    const [event] = await recentAudit(stack.db, { type: 'admin.webhook-replayed' });
    expect(event?.detail).toMatchObject({
      actor: 'staff:carol-0003',
      role: 'admin',
      eventType: 'support-request.created',
      webhookId,
    });
    const after = await browser.navigate(`${stack.brokerUrl}/admin`);
    expect(textContent(after.html)).toContain('Webhook deliveries that failed: 0');
  });

  it("offers support staff the replay exactly as the operation's role allows, and the action checks that role again", async () => {
    const webhookId = await refusedDelivery('Second refusal.');
    const { browser } = await consoleSignIn(bob);
    const list = await browser.navigate(`${stack.brokerUrl}/admin/webhooks`);
    expect(textContent(list.html)).toContain(webhookId);
    // The operation table decides (today replay needs `support`, like retrying an e-mail): the button is there
    // exactly when Bob's role may run it, and a POST without the button gets what the API would answer.
    const allowed = roleAllows('support', operationNamed('replayWebhookDelivery').role);
    expect(replayForms(list).length > 0).toBe(allowed);
    const deliveryId = /name="deliveryId" value="([0-9a-f]{24})"/.exec(list.html)?.[1];
    const posted = await browser.request(`${stack.brokerUrl}/admin/actions/replayWebhookDelivery`, {
      form: {
        _csrf: formsOf(list.html)[0]?.fields._csrf ?? '',
        ...(deliveryId ? { deliveryId } : {}),
        return: '/admin/webhooks',
      },
    });
    expect(posted.status).toBe(allowed ? 303 : 403);
    const [event] = await recentAudit(stack.db, { type: 'admin.webhook-replayed' });
    expect(event?.detail?.webhookId === webhookId).toBe(allowed);
  });

  it('pages through failed webhook deliveries with a next link carrying the cursor', async () => {
    await stack.broker.deliverWebhooks();
    // 51 events the endpoint refuses, written as the publisher writes them (the same store, the same database).
    const createdAt = new Date();
    const ids = Array.from({ length: 51 }, (_, n) => `msg_console-page-${String(n).padStart(2, '0')}`);
    await new MongoWebhookDeliveryStore(stack.db).add(
      ids.map((webhookId) => ({
        eventId: webhookId.slice(4),
        webhookId,
        type: 'support-request.created' as const,
        url: receiver.url,
        body: JSON.stringify({ type: 'support-request.created', timestamp: createdAt.toISOString(), data: {} }),
        createdAt,
      })),
    );
    receiver.script(...ids.map(() => ({ status: 410 })));
    await stack.broker.deliverWebhooks();

    const { browser, page: home } = await consoleSignIn(bob);
    const first = await browser.submitLink(home, 'Webhook deliveries that failed: 51');
    const shown = (page: Page) => [...page.html.matchAll(/<code>(msg_console-page-\d\d)<\/code>/g)].map((m) => m[1]);
    expect(shown(first)).toHaveLength(50);
    const rest = await browser.submitLink(first, 'Next page');
    expect(rest.url).toMatch(/\/admin\/webhooks\?cursor=[\w-]+$/);
    expect(shown(rest)).toHaveLength(1);
    expect(textContent(rest.html)).not.toContain('Next page');
    expect([...shown(first), ...shown(rest)].sort()).toEqual(ids);
  });

  it('finds a person by a sign-in (chosen upstream and subject, or written whole) or by an address, and nobody for an unknown one', async () => {
    const seed = (n: number) => ({
      upstreamId: 'demo',
      issuer: stack.upstreamUrl,
      subject: `console-people-000${n}`,
      name: `People Search ${n}`,
      email: `registered${n}@people-search.example`,
      customerNumber: `P-000${n}`,
    });
    const first = await seedLinkedAccount(stack.db, seed(1));
    const second = await seedLinkedAccount(stack.db, seed(2));
    // What the provider reported at the second person's last sign-in.
    await identityModel(stack.db).updateOne(
      { subject: 'console-people-0002' },
      { email: 'reported2@people-search.example' },
    );

    const { browser, page: home } = await consoleSignIn(bob);
    const form = formsOf(home.html).find((f) => f.action === '/admin/search' && 'signIn' in f.fields);
    expect(Object.keys(form?.fields ?? {}).sort()).toEqual(['email', 'signIn']);
    expect(home.html).toMatch(
      /<select id="person-upstream" name="upstreamId">[\s\S]*<option value="demo">Demo ID<\/option>/,
    );
    const search = async (query: Record<string, string>) => {
      const page = await browser.navigate(`${stack.brokerUrl}/admin/search?${new URLSearchParams(query)}`);
      expect(page.status).toBe(200);
      return page;
    };
    const found = (page: Page) =>
      [...page.html.matchAll(/<a href="\/admin\/people\/([0-9a-f]{24})">/g)].map((m) => m[1]);

    const chosen = await search({ upstreamId: 'demo', signIn: 'console-people-0001' });
    expect(found(chosen)).toEqual([first]);
    expect(textContent(chosen.html)).toContain('People found');
    expect(chosen.html).toContain('<option value="demo" selected>');
    expect(textContent(chosen.html)).toContain('P-0001 People Search 1');
    expect(found(await search({ upstreamId: '', signIn: 'demo:console-people-0002' }))).toEqual([second]);
    // Pasted whole with the upstream chosen as well.
    expect(found(await search({ upstreamId: 'demo', signIn: 'demo:console-people-0001' }))).toEqual([first]);
    expect(found(await search({ email: 'Registered1@people-search.example' }))).toEqual([first]);
    const byReported = await search({ email: 'reported2@people-search.example' });
    expect(found(byReported)).toEqual([second]);
    expect(textContent(byReported.html)).toContain('demo: console-people-0002 (reported2@people-search.example)');

    const person = await browser.submitLink(byReported, second);
    expect(headingOf(person.html)).toBe(`Person ${second}`);

    const unknown: Array<Record<string, string>> = [
      { upstreamId: 'demo', signIn: 'nobody-0000' },
      { email: 'nobody@people-search.example' },
    ];
    for (const query of unknown) {
      const none = await search(query);
      expect(found(none)).toEqual([]);
      expect(textContent(none.html)).toContain('Nobody matches that sign-in or address.');
    }
    const unclear = await search({ signIn: 'nowhere:console-people-0001' });
    expect(found(unclear)).toEqual([]);
    expect(textContent(unclear.html)).toContain(
      'Choose the sign-in provider, or write the sign-in as provider:subject',
    );
  });

  it('counts a list on the overview as "100+" when it has more than one page, not as the length of the first', async () => {
    const requests = new SupportRequests(stack.db);
    const at = new Date('2026-02-13T08:00:00Z');
    for (let n = 0; n < 101; n += 1) {
      await requests.open(
        {
          upstreamId: 'demo',
          issuer: stack.upstreamUrl,
          subject: `console-count-${n}`,
          signInName: 'c***@example.net',
          replyTo: `count${n}@example.net`,
          customer: '',
          message: `Count me ${n}`,
          clientId: 'customersource',
          locale: 'en',
        },
        at,
      );
    }
    const { page: home } = await consoleSignIn(bob);
    const text = textContent(home.html);
    expect(text).toContain('Open support requests: 100+');
    expect(text).toMatch(/E-mails that could not be sent: \d+ /);
    expect(text).toMatch(/Webhook deliveries that failed: \d+ /);
  });
});
