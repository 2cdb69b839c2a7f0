import { TestBrowser, headingOf } from '../support/browser.ts';
import { TestPortal, signIn } from '../support/portal.ts';
import { recentAudit } from '../support/records.ts';
import { startSendGridSink, type SendGridSink } from '../support/sendgrid-sink.ts';
import { demoUser, startStack, type Stack } from '../support/stack.ts';
import {
  ADMIN_CLIENT,
  ADMIN_CONFIG,
  SUPPORT_CLIENT,
  accessToken,
  adminApi,
  deliveredMail,
  linkOf,
} from './support/admin-client.ts';

const alice = demoUser('alice');
const bob = demoUser('bob');
const carol = demoUser('carol');

describe('support resolves customer cases through the admin API', () => {
  let sink: SendGridSink;
  let stack: Stack;
  let portal: TestPortal;
  let support: string;
  let admin: string;
  let fabrikam: string;

  beforeAll(async () => {
    sink = await startSendGridSink({ apiKey: 'SG.admin-test' });
    stack = await startStack({
      admin: ADMIN_CONFIG,
      // Memberships read fresh on every sign-in: an unlink must show at once.
      accountCacheTtl: '0s',
      mail: {
        from: { email: 'accounts@broker.example', name: 'Customer Accounts' },
        support: 'help@broker.example',
        transport: 'sendgrid',
        sendgrid: { apiKey: 'SG.admin-test', baseUrl: sink.url },
      },
      linking: { limits: { perIdentity: 50, perAddress: 50, perIp: 500 } },
    });
    portal = await TestPortal.discover(stack);
    fabrikam = await stack.seedAccount({
      name: 'Fabrikam',
      email: ['purchasing@fabrikam.example', 'it@fabrikam.example'],
      customerNumber: 'C-2002',
    });
    [support, admin] = await Promise.all([accessToken(stack, SUPPORT_CLIENT), accessToken(stack, ADMIN_CLIENT)]);
  });
  afterAll(async () => {
    await stack.close();
    await sink.close();
  });

  const api = (token: string, method: string, path: string, body?: unknown) =>
    adminApi(stack, token, method, path, body);

  it('finds an account by a contact address (any case), by customer number and by part of its name', async () => {
    for (const q of ['Purchasing@Fabrikam.example', 'C-2002', 'abrik']) {
      const found = await api(support, 'GET', `/accounts?q=${encodeURIComponent(q)}`);
      expect([q, found.status, found.body.accounts.map((a: { id: string }) => a.id)]).toEqual([q, 200, [fabrikam]]);
    }
    expect((await api(support, 'GET', '/accounts?q=nobody%40fabrikam.example')).body.accounts).toEqual([]);
  });

  it('shows a pending association with the entered address masked, resends it to the registered address and cancels it', async () => {
    const browser = new TestBrowser();
    const { callback } = await signIn(browser, portal, carol);
    await browser.submit(callback, '/associate', { email: 'Purchasing@fabrikam.example' }, portal.redirectUri);
    const [firstMail] = await deliveredMail(stack, sink);
    const firstLink = linkOf(firstMail!);

    const account = await api(support, 'GET', `/accounts/${fabrikam}`);
    expect(account.status).toBe(200);
    expect(account.body.pendingAssociations).toEqual([
      expect.objectContaining({
        subject: carol.sub,
        upstreamId: 'demo',
        enteredEmail: 'p***@fabrikam.example',
        state: 'pending',
        signInName: 'c***@example.net',
      }),
    ]);
    expect(JSON.stringify(account.body.pendingAssociations)).not.toContain('purchasing@');
    const pendingId = account.body.pendingAssociations[0].id as string;

    const resent = await api(support, 'POST', `/associations/${pendingId}/resend`, {});
    expect(resent.status).toBe(201);
    expect(resent.body).toMatchObject({ state: 'pending', enteredEmail: 'p***@fabrikam.example' });
    const mails = await deliveredMail(stack, sink);
    expect(mails.map((m) => m.to)).toEqual(['purchasing@fabrikam.example']);
    const secondLink = linkOf(mails[0]!);
    expect(secondLink).not.toBe(firstLink);
    expect(headingOf((await new TestBrowser().navigate(firstLink)).html)).toBe('A newer link was sent');

    const cancelled = await api(support, 'POST', `/associations/${resent.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: resent.body.id, state: 'cancelled' });
    expect(headingOf((await new TestBrowser().navigate(secondLink)).html)).toBe('This link was cancelled');
    expect((await api(support, 'POST', `/associations/${resent.body.id}/resend`, {})).status).toBe(409);

    const states = (await api(support, 'GET', `/accounts/${fabrikam}`)).body.pendingAssociations.map(
      (p: { id: string; state: string }) => [p.id, p.state],
    );
    expect(states).toEqual(
      expect.arrayContaining([
        [pendingId, 'superseded'],
        [resent.body.id, 'cancelled'],
      ]),
    );
    const audit = (await api(support, 'GET', `/audit?type=admin.association-resent`)).body.events;
    expect(audit[0]).toMatchObject({
      subject: carol.sub,
      accountId: fabrikam,
      detail: { actor: SUPPORT_CLIENT.clientId, pendingId, newPendingId: resent.body.id },
    });
    const [cancelEvent] = await recentAudit(stack.db, { type: 'admin.association-cancelled' });
    expect(cancelEvent?.detail).toMatchObject({ actor: SUPPORT_CLIENT.clientId, pendingId: resent.body.id });
  });

  it('unlinks a membership, after which that sign-in meets the association page again', async () => {
    const bobsAccount = await stack.seedLinkedAccount(bob, { email: 'bob@bobs.example' });
    const before = await signIn(new TestBrowser(), portal, bob);
    expect(before.callback.url.startsWith(portal.redirectUri)).toBe(true);

    const account = await api(support, 'GET', `/accounts/${bobsAccount}`);
    expect(account.body.members).toEqual([
      expect.objectContaining({
        personId: bobsAccount,
        signIns: [expect.objectContaining({ subject: bob.sub, upstreamId: 'demo' })],
        lastSignInAt: expect.any(String),
      }),
    ]);
    const membershipId = account.body.members[0].membershipId as string;
    expect((await api(support, 'DELETE', `/memberships/${membershipId}`)).status).toBe(403);
    expect((await api(admin, 'DELETE', `/memberships/${membershipId}`)).status).toBe(204);
    expect((await api(admin, 'DELETE', `/memberships/${membershipId}`)).status).toBe(404);

    const after = await signIn(new TestBrowser(), portal, bob);
    expect(after.callback.url.startsWith(portal.redirectUri)).toBe(false);
    expect(headingOf(after.callback.html)).toBe('Associate your account');
    expect((await api(support, 'GET', `/accounts/${bobsAccount}`)).body.members).toEqual([]);
    const events = (await api(support, 'GET', `/audit?accountId=${bobsAccount}&type=admin.membership-removed`)).body
      .events;
    expect(events).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({ actor: ADMIN_CLIENT.clientId, membershipId, personId: bobsAccount }),
      }),
    ]);
  });

  it('links a sign-in to a contact on behalf of a person and tells the registered address', async () => {
    const account = await api(support, 'GET', `/accounts/${fabrikam}`);
    const contact = account.body.contacts.find((c: { email: string }) => c.email === 'it@fabrikam.example');
    const refused = await api(support, 'POST', `/contacts/${contact.id}/sign-ins`, {
      upstreamId: 'demo',
      subject: alice.sub,
    });
    expect(refused.status).toBe(403);
    expect(await deliveredMail(stack, sink)).toEqual([]);

    const linked = await api(admin, 'POST', `/contacts/${contact.id}/sign-ins`, {
      upstreamId: 'demo',
      subject: alice.sub,
      signInName: 'a***@example.net',
    });
    expect(linked.status).toBe(201);
    expect(linked.body).toMatchObject({ outcome: 'linked', accountId: fabrikam });
    const notices = await deliveredMail(stack, sink);
    expect(notices.map((m) => m.to)).toEqual(['it@fabrikam.example']);
    expect(notices[0]?.text).toContain('Fabrikam');

    const signedIn = await signIn(new TestBrowser(), portal, alice);
    expect(signedIn.callback.url.startsWith(portal.redirectUri)).toBe(true);
    const claims = (await portal.exchange(signedIn.callback.url, signedIn.attempt)).claims();
    expect(claims).toMatchObject({ customer_number: 'C-2002', email: 'it@fabrikam.example' });

    const events = (await api(support, 'GET', `/audit?personId=${linked.body.personId}&type=admin.identity-linked`))
      .body.events;
    expect(events).toEqual([
      expect.objectContaining({
        subject: alice.sub,
        detail: expect.objectContaining({ actor: ADMIN_CLIENT.clientId, notified: 'i***@fabrikam.example' }),
      }),
    ]);
  });

  it('adds a second sign-in to the person who is the contact (told to the address), and removes a lost one', async () => {
    const account = await api(support, 'GET', `/accounts/${fabrikam}`);
    const member = account.body.members.find((m: { signIns: Array<{ subject: string }> }) =>
      m.signIns.some((s) => s.subject === alice.sub),
    );
    const added = await api(admin, 'POST', `/contacts/${member.contactId}/sign-ins`, {
      upstreamId: 'demo',
      subject: 'alice-second-phone',
    });
    expect(added.body).toMatchObject({ outcome: 'linked', personId: member.personId });
    const [notice, ...more] = await deliveredMail(stack, sink);
    expect([notice?.to, more]).toEqual(['it@fabrikam.example', []]);

    const person = await api(support, 'GET', `/people/${member.personId}`);
    expect(person.body.signIns.map((s: { subject: string }) => s.subject)).toEqual([alice.sub, 'alice-second-phone']);
    const lost = person.body.signIns[1].id as string;
    expect((await api(support, 'DELETE', `/sign-ins/${lost}`)).status).toBe(403);
    expect((await api(admin, 'DELETE', `/sign-ins/${lost}`)).status).toBe(204);
    const after = await api(support, 'GET', `/people/${member.personId}`);
    expect(after.body.signIns.map((s: { subject: string }) => s.subject)).toEqual([alice.sub]);
    const [event] = await recentAudit(stack.db, { type: 'admin.identity-removed' });
    expect(event).toMatchObject({
      subject: 'alice-second-phone',
      detail: { actor: ADMIN_CLIENT.clientId, personId: member.personId },
    });
  });

  it('adds, changes and disables contacts and accounts (admin only), each change audited with its actor', async () => {
    const added = await api(admin, 'POST', `/accounts/${fabrikam}/contacts`, {
      email: 'Sales@Fabrikam.example',
      name: 'Sales',
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ email: 'sales@fabrikam.example', status: 'active' });
    expect(
      (await api(admin, 'POST', `/accounts/${fabrikam}/contacts`, { email: 'sales@fabrikam.example' })).status,
    ).toBe(409);
    expect((await api(support, 'PATCH', `/contacts/${added.body.id}`, { status: 'disabled' })).status).toBe(403);
    const disabled = await api(admin, 'PATCH', `/contacts/${added.body.id}`, { status: 'disabled' });
    expect(disabled.body).toMatchObject({ id: added.body.id, status: 'disabled', name: 'Sales' });
    const renamed = await api(admin, 'PATCH', `/accounts/${fabrikam}`, { name: 'Fabrikam Inc' });
    expect(renamed.body).toMatchObject({ name: 'Fabrikam Inc', customerNumber: 'C-2002', status: 'active' });

    const audit = (await api(support, 'GET', `/audit?accountId=${fabrikam}`)).body.events as Array<{
      type: string;
      detail: Record<string, unknown>;
    }>;
    const changes = audit.filter((e) =>
      ['admin.contact-added', 'admin.contact-changed', 'admin.account-changed'].includes(e.type),
    );
    expect(changes.map((e) => [e.type, e.detail.actor])).toEqual([
      ['admin.account-changed', ADMIN_CLIENT.clientId],
      ['admin.contact-changed', ADMIN_CLIENT.clientId],
      ['admin.contact-added', ADMIN_CLIENT.clientId],
    ]);
    const until = new Date(Date.now() - 3_600_000).toISOString();
    expect((await api(support, 'GET', `/audit?accountId=${fabrikam}&until=${until}`)).body.events).toEqual([]);
  });
});
