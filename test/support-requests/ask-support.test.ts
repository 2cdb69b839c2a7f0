import { TestBrowser, formsOf, headingOf, textContent, type Page } from '../support/browser.ts';
import { TestPortal, signIn } from '../support/portal.ts';
import { recentAudit } from '../support/records.ts';
import { startSendGridSink, type SendGridSink } from '../support/sendgrid-sink.ts';
import { TEST_CLIENTS, demoUser, startStack, type Stack } from '../support/stack.ts';
import {
  ADMIN_CLIENT,
  ADMIN_CONFIG,
  SUPPORT_CLIENT,
  accessToken,
  adminApi,
  deliveredMail,
  linkOf,
} from '../admin/support/admin-client.ts';

const carol = demoUser('carol');
const bob = demoUser('bob');

describe('asking support from the association page', () => {
  let sink: SendGridSink;
  let stack: Stack;
  let portal: TestPortal;
  let support: string;
  let admin: string;

  beforeAll(async () => {
    sink = await startSendGridSink({ apiKey: 'SG.support-test' });
    stack = await startStack({
      admin: ADMIN_CONFIG,
      mail: {
        from: { email: 'accounts@broker.example', name: 'Customer Accounts' },
        support: 'help@broker.example',
        transport: 'sendgrid',
        sendgrid: { apiKey: 'SG.support-test', baseUrl: sink.url },
      },
      linking: { limits: { perIdentity: 3, perAddress: 50, perIp: 500 } },
    });
    portal = await TestPortal.discover(stack);
    [support, admin] = await Promise.all([accessToken(stack, SUPPORT_CLIENT), accessToken(stack, ADMIN_CLIENT)]);
  });
  afterAll(async () => {
    await stack.close();
    await sink.close();
  });

  async function associationPage(user = carol): Promise<{ browser: TestBrowser; page: Page }> {
    const browser = new TestBrowser();
    const { callback } = await signIn(browser, portal, user);
    expect(headingOf(callback.html)).toBe('Associate your account');
    return { browser, page: callback };
  }

  it('stores the request with the sign-in attached and mails support, with the typed address as Reply-To and the portal and time', async () => {
    const first = await associationPage();
    const before = sink.received.length;
    const answered = await first.browser.submit(first.page, '/support-request', {
      replyTo: 'carol.private@example.org',
      customer: 'Tailspin Toys',
      message: 'I do not know which address my company registered.',
    });
    expect(answered.status).toBe(200);
    expect(headingOf(answered.html)).toBe('Support will get back to you');

    const mails = await deliveredMail(stack, sink);
    expect(mails.map((m) => m.to)).toEqual(['help@broker.example']);
    const [mail] = mails;
    expect(mail?.text).toContain(`Demo ID, c***@example.net (subject ${carol.sub})`);
    expect(mail?.text).toContain(`Portal: ${TEST_CLIENTS[0].name}`);
    expect(mail?.text).toMatch(/Asked at: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    expect(mail?.text).toContain('carol.private@example.org');
    expect(mail?.text).not.toContain(carol.email);
    expect((sink.received[before] as { reply_to?: unknown }).reply_to).toEqual({ email: 'carol.private@example.org' });

    const listed = await adminApi(stack, support, 'GET', '/support-requests');
    expect(listed.body.supportRequests).toEqual([
      expect.objectContaining({
        customer: 'Tailspin Toys',
        replyTo: 'carol.private@example.org',
        signIn: { upstreamId: 'demo', issuer: stack.upstreamUrl, subject: carol.sub, signInName: 'c***@example.net' },
      }),
    ]);
    const [event] = await recentAudit(stack.db, { type: 'support.requested' });
    expect(event).toMatchObject({ upstreamId: 'demo', subject: carol.sub });
  });

  it('sends nothing that is empty, too long or has no address to answer, and gives the form back with everything typed', async () => {
    const { browser, page } = await associationPage();
    const listedBefore = (await adminApi(stack, support, 'GET', '/support-requests')).body.supportRequests.length;
    const cases = [
      { typed: { replyTo: '', customer: 'Tailspin', message: '   ' }, problem: 'Write a message' },
      { typed: { replyTo: '', customer: '', message: 'x'.repeat(2001) }, problem: 'longer than 2000 characters' },
      { typed: { replyTo: 'not an address', customer: 'C-1', message: 'Help, please.' }, problem: 'is not an e-mail' },
    ];
    for (const { typed, problem } of cases) {
      const answer = await browser.submit(page, '/support-request', typed);
      expect([answer.status, headingOf(answer.html)]).toEqual([400, 'Please check your request']);
      expect(textContent(answer.html)).toContain(problem);
      const form = formsOf(answer.html).find((f) => f.action.endsWith('/support-request'));
      expect(form?.fields).toMatchObject({ replyTo: typed.replyTo, customer: typed.customer, message: typed.message });
      expect(textContent(answer.html)).toContain(`Back to ${TEST_CLIENTS[0].name}`);
    }
    expect(await deliveredMail(stack, sink)).toEqual([]);
    expect((await adminApi(stack, support, 'GET', '/support-requests')).body.supportRequests).toHaveLength(
      listedBefore,
    );
    // Corrected on the same page, it goes through.
    const sent = await browser.submit(page, '/support-request', {
      replyTo: '',
      customer: '',
      message: 'Help, please.',
    });
    expect(headingOf(sent.html)).toBe('Support will get back to you');
    const [mail] = await deliveredMail(stack, sink);
    // No address typed: answered at the sign-in's own, but never a Reply-To the person did not type.
    expect(mail?.text).toContain(carol.email);
    expect((sink.received.at(-1) as { reply_to?: unknown }).reply_to).toBeUndefined();
  });

  it('is resolved by adding the address as a contact and resending the link, which the person then receives', async () => {
    const accountId = (
      await adminApi(stack, admin, 'POST', '/accounts', { customerNumber: 'C-4004', name: 'Tailspin Toys' })
    ).body.id as string;
    // The person had asked with an address nobody registered: their association waits, linked to no contact.
    const { browser, page } = await associationPage();
    await browser.submit(page, '/associate', { email: 'carol.private@example.org' }, portal.redirectUri);
    expect(await deliveredMail(stack, sink)).toEqual([]);
    const added = await adminApi(stack, admin, 'POST', `/accounts/${accountId}/contacts`, {
      email: 'carol.private@example.org',
    });
    expect(added.status).toBe(201);
    // Support finds the request from the sign-in the support request names.
    const request = (await adminApi(stack, support, 'GET', '/support-requests')).body.supportRequests[0];
    const { upstreamId, subject } = request.signIn as { upstreamId: string; subject: string };
    const [pending] = (
      await adminApi(
        stack,
        support,
        'GET',
        `/associations?upstreamId=${upstreamId}&subject=${encodeURIComponent(subject)}`,
      )
    ).body.associations;
    expect(pending).toMatchObject({ enteredEmail: 'c***@example.org', state: 'pending', contactIds: [] });
    const resent = await adminApi(stack, support, 'POST', `/associations/${pending.id}/resend`, {});
    expect(resent.status).toBe(201);
    const [mail, ...more] = await deliveredMail(stack, sink);
    expect([mail?.to, more]).toEqual(['carol.private@example.org', []]);
    expect(linkOf(mail!)).toMatch(/\/link\?token=/);

    const resolved = await adminApi(stack, support, 'POST', `/support-requests/${request.id}/resolve`, {
      note: 'added the address, link resent',
    });
    expect(resolved.body).toMatchObject({ status: 'resolved', resolvedBy: SUPPORT_CLIENT.clientId });
    expect((await adminApi(stack, support, 'GET', '/support-requests')).body.supportRequests).toHaveLength(1);
  });

  it('starts with the sign-in\'s own address as where to answer, and is offered on "Thank you" and, naming the account, on the missing-plan page', async () => {
    const { browser, page } = await associationPage(bob);
    const replyTo = (html: string) => formsOf(html).find((f) => f.action.endsWith('/support-request'))?.fields.replyTo;
    expect(replyTo(page.html)).toBe(bob.email);
    await browser.submit(page, '/associate', { email: 'nobody@fabrikam.example' });
    const thankYou = await browser.navigate(
      `${stack.brokerUrl}${new URL(page.url).pathname.replace(/\/[^/]+$/, '/sent')}`,
    );
    expect(replyTo(thankYou.html)).toBe(bob.email);

    // Carol is linked to an account without the support plan that PartnerSource requires.
    const carolsAccount = await stack.seedLinkedAccount(carol, { plans: [] });
    const partner = await TestPortal.discover(stack, TEST_CLIENTS[1]);
    const refused = new TestBrowser();
    const { callback } = await signIn(refused, partner, carol);
    expect(callback.status).toBe(200);
    // The account is named for support; the sign-in's address is not kept for a linked person, so she gives one.
    expect(formsOf(callback.html).find((f) => f.action.endsWith('/support-request'))?.fields.customer).toMatch(/^C-/);
    const asked = await refused.submit(callback, '/support-request', {
      replyTo: carol.email,
      message: 'We bought the support plan last week.',
    });
    expect(headingOf(asked.html)).toBe('Support will get back to you');
    const listed = (await adminApi(stack, support, 'GET', '/support-requests')).body.supportRequests;
    expect(listed[0]).toMatchObject({
      message: 'We bought the support plan last week.',
      replyTo: carol.email,
      clientId: 'partnersource',
    });
    // Resolved, it shows on the trails of the person who asked and of the account they act for (a seeded person's
    // id is the account's).
    await adminApi(stack, support, 'POST', `/support-requests/${listed[0].id}/resolve`, {});
    const trail = await adminApi(
      stack,
      support,
      'GET',
      `/audit?type=admin.support-request-resolved&personId=${carolsAccount}`,
    );
    // Newest first (the person's trail also holds the entries of their sign-in from before they were linked).
    expect(trail.body.events[0]).toEqual(
      expect.objectContaining({ personId: carolsAccount, accountId: carolsAccount, subject: carol.sub }),
    );
  });

  it('is rate-limited like association requests', async () => {
    const pages: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const { browser, page } = await associationPage(bob);
      pages.push(headingOf((await browser.submit(page, '/support-request', { message: `try ${i}` })).html) ?? '');
    }
    expect(pages).toEqual([
      'Support will get back to you',
      'Support will get back to you',
      'Support will get back to you',
      'Please try again later',
    ]);
  });
});
