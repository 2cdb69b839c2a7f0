import { TestBrowser, textContent } from '../support/browser.ts';
import { TestPortal, loginUpstream, signIn } from '../support/portal.ts';
import { recentAudit } from '../support/records.ts';
import { startScriptedSendGridSink, type ScriptedSendGridSink } from '../support/scripted-sendgrid-sink.ts';
import { startSendGridSink, type SendGridSink } from '../support/sendgrid-sink.ts';
import { UPSTREAM_CLIENT, demoUser, startStack, type Stack } from '../support/stack.ts';
import {
  ADMIN_CLIENT,
  ADMIN_CONFIG,
  SUPPORT_CLIENT,
  accessToken,
  adminApi,
  consoleConfig,
  deliveredMail,
} from './support/admin-client.ts';

const carol = demoUser('carol');

describe('failed e-mails through the admin API', () => {
  let sink: SendGridSink;
  let stack: Stack;
  let support: string;
  let admin: string;

  beforeAll(async () => {
    // The provider fails the first two sends; one attempt per message: both end failed.
    sink = await startSendGridSink({ apiKey: 'SG.outbox-test', failFirst: 2 });
    stack = await startStack({
      admin: ADMIN_CONFIG,
      mail: {
        from: { email: 'accounts@broker.example', name: 'Customer Accounts' },
        support: 'help@broker.example',
        transport: 'sendgrid',
        sendgrid: { apiKey: 'SG.outbox-test', baseUrl: sink.url },
        retry: { maxAttempts: 1 },
      },
    });
    [support, admin] = await Promise.all([accessToken(stack, SUPPORT_CLIENT), accessToken(stack, ADMIN_CLIENT)]);
  });
  afterAll(async () => {
    await stack.close();
    await sink.close();
  });

  it('lists failed messages with their cause, retries a notice, and sends a link e-mail back to resend', async () => {
    const accountId = await stack.seedAccount({
      name: 'Litware',
      email: ['it@litware.example', 'ceo@litware.example'],
      customerNumber: 'C-5005',
    });
    const portal = await TestPortal.discover(stack);
    const browser = new TestBrowser();
    const { callback } = await signIn(browser, portal, carol);
    await browser.submit(callback, '/associate', { email: 'ceo@litware.example' }, portal.redirectUri);
    const contact = (await adminApi(stack, support, 'GET', `/accounts/${accountId}`)).body.contacts.find(
      (c: { email: string }) => c.email === 'it@litware.example',
    );
    expect(
      (
        await adminApi(stack, admin, 'POST', `/contacts/${contact.id}/sign-ins`, {
          upstreamId: 'demo',
          subject: 'dave-0004',
        })
      ).status,
    ).toBe(201);
    expect(await deliveredMail(stack, sink)).toEqual([]);

    const failures = await adminApi(stack, support, 'GET', '/outbox/failures');
    expect(failures.status).toBe(200);
    const byTemplate = new Map(failures.body.messages.map((m: { template: string }) => [m.template, m]));
    expect(byTemplate.get('association-linked')).toMatchObject({
      to: 'it@litware.example',
      status: 'failed',
      lastError: expect.stringContaining('500'),
    });
    expect(byTemplate.get('association-link')).toMatchObject({ to: 'ceo@litware.example', status: 'failed' });

    const linkMail = byTemplate.get('association-link') as { id: string };
    const refused = await adminApi(stack, support, 'POST', `/outbox/${linkMail.id}/retry`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('resend the association');

    const notice = byTemplate.get('association-linked') as { id: string };
    const retried = await adminApi(stack, support, 'POST', `/outbox/${notice.id}/retry`);
    expect(retried.status).toBe(201);
    expect((await deliveredMail(stack, sink)).map((m) => m.to)).toEqual(['it@litware.example']);
    const [event] = await recentAudit(stack.db, { type: 'admin.mail-retried' });
    expect(event?.detail).toMatchObject({
      actor: SUPPORT_CLIENT.clientId,
      messageId: notice.id,
      newMessageId: retried.body.id,
    });
    // Once: a second press does not send the notice a third time.
    const again = await adminApi(stack, support, 'POST', `/outbox/${notice.id}/retry`);
    expect([again.status, again.body.error]).toEqual([409, 'ADMIN.RETRIED_ALREADY']);
    expect(await deliveredMail(stack, sink)).toEqual([]);
  });
});

describe('a failed e-mail retried and followed through the admin API', () => {
  const HOUR = 3_600_000;
  let sink: ScriptedSendGridSink;
  let stack: Stack;
  let support: string;
  let admin: string;

  beforeAll(async () => {
    // SendGrid answers 500 to the first four sends (two notices, two attempts each), accepts the fifth (the first
    // retry) and answers 500 twice more (the second retry, two attempts); 202 after that.
    sink = await startScriptedSendGridSink([
      ...Array.from({ length: 4 }, () => ({ status: 500 })),
      { status: 202 },
      { status: 500 },
      { status: 500 },
    ]);
    stack = await startStack(({ upstreamUrl }) => ({
      admin: { ...ADMIN_CONFIG, console: consoleConfig(upstreamUrl, UPSTREAM_CLIENT) },
      mail: {
        from: { email: 'accounts@broker.example', name: 'Customer Accounts' },
        support: 'help@broker.example',
        transport: 'sendgrid',
        sendgrid: { apiKey: 'SG.outbox-retry-test', baseUrl: sink.url },
        retry: { maxAttempts: 2, initialDelay: '1s' },
      },
    }));
    [support, admin] = await Promise.all([accessToken(stack, SUPPORT_CLIENT), accessToken(stack, ADMIN_CLIENT)]);
  });
  afterAll(async () => {
    await stack.close();
    await sink.close();
  });

  /** Runs the outbox now, then once more an hour on: a message the sink refuses twice ends failed. */
  async function deliverUntilFailed(): Promise<void> {
    await stack.broker.deliverMail(new Date());
    await stack.broker.deliverMail(new Date(Date.now() + HOUR));
  }

  /** The count on the console's overview, as support staff see it (Carol, signed in at the staff upstream). */
  async function consoleFailureCount(browser: TestBrowser): Promise<number> {
    let page = await browser.navigate(`${stack.brokerUrl}/admin`);
    if (page.status === 401) {
      const upstreamLogin = await browser.submitLink(page, 'Sign in with your work account');
      page = await loginUpstream(browser, upstreamLogin, carol, 'never');
    }
    const count = /E-mails that could not be sent: (\d+)/.exec(textContent(page.html))?.[1];
    if (count === undefined) throw new Error(`no failure count on the overview:\n${page.html}`);
    return Number(count);
  }

  it('lists a notice SendGrid refused, retries it once, shows the retry sent and the count go down', async () => {
    const accountId = await stack.seedAccount({
      name: 'Tailspin Toys',
      email: ['it@tailspin.example', 'ops@tailspin.example'],
      customerNumber: 'C-6006',
    });
    const { contacts } = (await adminApi(stack, support, 'GET', `/accounts/${accountId}`)).body;
    for (const [i, contact] of (contacts as Array<{ id: string }>).entries()) {
      const linked = await adminApi(stack, admin, 'POST', `/contacts/${contact.id}/sign-ins`, {
        upstreamId: 'demo',
        subject: `tailspin-000${i}`,
      });
      expect(linked.status).toBe(201);
    }
    await deliverUntilFailed();
    expect([sink.requests.length, sink.accepted.length]).toEqual([4, 0]);

    // Support sees both, a page at a time; the cursor is opaque, and one it did not hand out is refused.
    const first = await adminApi(stack, support, 'GET', '/outbox/failures?limit=1');
    expect(first.body.messages).toHaveLength(1);
    expect(first.body.next).toEqual(expect.any(String));
    const second = await adminApi(stack, support, 'GET', `/outbox/failures?limit=1&cursor=${first.body.next}`);
    expect(second.body).toMatchObject({ messages: [expect.anything()], next: null });
    const failed = [...first.body.messages, ...second.body.messages];
    expect(failed.map((m) => m.to).sort()).toEqual(['it@tailspin.example', 'ops@tailspin.example']);
    const bad = await adminApi(stack, support, 'GET', '/outbox/failures?cursor=bm90LWEtY3Vyc29y');
    expect([bad.status, bad.body.error]).toEqual([400, 'ADMIN.INVALID_REQUEST']);
    const browser = new TestBrowser();
    expect(await consoleFailureCount(browser)).toBe(2);

    const notice = failed.find((m) => m.to === 'it@tailspin.example');
    expect(notice).toMatchObject({
      template: 'association-linked',
      status: 'failed',
      attempts: 2,
      lastError: expect.stringContaining('500'),
      retry: null,
    });
    expect((await adminApi(stack, support, 'GET', `/outbox/${notice.id}`)).body).toEqual(notice);

    const retried = await adminApi(stack, support, 'POST', `/outbox/${notice.id}/retry`);
    expect(retried.status).toBe(201);
    const newId = retried.body.id as string;
    expect((await adminApi(stack, support, 'GET', `/outbox/${notice.id}`)).body).toMatchObject({
      status: 'retried',
      attempts: 2,
      retry: { messageId: newId, status: 'pending', by: SUPPORT_CLIENT.clientId, at: expect.any(String) },
    });

    await stack.broker.deliverMail(new Date());
    expect(sink.accepted).toHaveLength(1);
    expect((await adminApi(stack, support, 'GET', `/outbox/${notice.id}`)).body).toMatchObject({
      status: 'retried',
      retry: { messageId: newId, status: 'sent' },
    });
    expect((await adminApi(stack, support, 'GET', `/outbox/${newId}`)).body).toMatchObject({
      id: newId,
      to: 'it@tailspin.example',
      status: 'sent',
      attempts: 1,
      lastError: null,
      retry: null,
    });
    const left = await adminApi(stack, support, 'GET', '/outbox/failures');
    expect(left.body.messages.map((m: { to: string }) => m.to)).toEqual(['ops@tailspin.example']);
    expect(await consoleFailureCount(browser)).toBe(1);

    const again = await adminApi(stack, support, 'POST', `/outbox/${notice.id}/retry`);
    expect([again.status, again.body.error]).toEqual([409, 'ADMIN.RETRIED_ALREADY']);
    expect(again.body.message).toContain(newId);
    expect(await stack.broker.deliverMail(new Date())).toBe(0);
    expect(sink.requests).toHaveLength(5);
  });

  it('lists the retry instead when it fails too, and the retried one names it as failed', async () => {
    const [other] = (await adminApi(stack, support, 'GET', '/outbox/failures')).body.messages;
    expect(other).toMatchObject({ to: 'ops@tailspin.example', status: 'failed' });
    const retried = await adminApi(stack, support, 'POST', `/outbox/${other.id}/retry`);
    expect(retried.status).toBe(201);
    await deliverUntilFailed();
    expect(sink.requests).toHaveLength(7);

    const failures = (await adminApi(stack, support, 'GET', '/outbox/failures')).body.messages;
    expect(failures).toEqual([
      expect.objectContaining({ id: retried.body.id, to: 'ops@tailspin.example', status: 'failed', retry: null }),
    ]);
    expect((await adminApi(stack, support, 'GET', `/outbox/${other.id}`)).body).toMatchObject({
      status: 'retried',
      retry: { messageId: retried.body.id, status: 'failed' },
    });
    expect(await consoleFailureCount(new TestBrowser())).toBe(1);
    expect((await adminApi(stack, support, 'GET', '/outbox/000000000000000000000001')).status).toBe(404);
  });
});
