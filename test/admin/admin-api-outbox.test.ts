import { TestBrowser } from '../support/browser.ts';
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
    expect(again.status).toBe(409);
    expect(await deliveredMail(stack, sink)).toEqual([]);
  });
});
