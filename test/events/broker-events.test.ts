import { WEBHOOK_EVENT_TYPES, webhookPayloadSchema, type WebhookEventType } from '../../src/events/event-types.ts';
import { ADMIN_CLIENT, ADMIN_CONFIG, SUPPORT_CLIENT, accessToken, adminApi } from '../admin/support/admin-client.ts';
import { TestBrowser, formsOf, headingOf, type Page } from '../support/browser.ts';
import { TestPortal, loginUpstream, signIn } from '../support/portal.ts';
import { linkIn, mailOf, startSendGridSink, type SendGridSink } from '../support/sendgrid-sink.ts';
import { demoUser, startStack, type Stack } from '../support/stack.ts';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

// The events a running broker publishes, end to end: a person's association, support's changes and requests,
// delivered to the customer system's endpoint on loopback, which verifies each with the standardwebhooks library.

const SECRET = `whsec_${Buffer.from('broker-events-test-secret-0123456789').toString('base64')}`;
const carol = demoUser('carol');
const REGISTERED = 'office@events-co.example';

interface Event {
  type: WebhookEventType;
  timestamp: string;
  data: Record<string, unknown>;
}

describe('events for the customer system from a running broker', () => {
  let receiver: WebhookReceiver;
  let sink: SendGridSink;
  let stack: Stack;
  let portal: TestPortal;
  let support: string;
  let admin: string;
  let accountId: string;

  beforeAll(async () => {
    receiver = await startWebhookReceiver(SECRET);
    sink = await startSendGridSink({ apiKey: 'SG.events' });
    stack = await startStack({
      admin: ADMIN_CONFIG,
      accountCacheTtl: '0s',
      webhooks: [{ url: `${receiver.url}/hooks`, secret: SECRET, events: ['*'], allowPrivateNetwork: true }],
      mail: {
        from: { email: 'accounts@broker.example', name: 'Customer Accounts' },
        support: 'help@broker.example',
        transport: 'sendgrid',
        sendgrid: { apiKey: 'SG.events', baseUrl: sink.url },
      },
      linking: { limits: { perIdentity: 50, perAddress: 50, perIp: 500 } },
    });
    portal = await TestPortal.discover(stack);
    accountId = await stack.seedAccount({ name: 'Events & Co', email: REGISTERED, customerNumber: 'E-100' });
    [support, admin] = await Promise.all([accessToken(stack, SUPPORT_CLIENT), accessToken(stack, ADMIN_CLIENT)]);
  });
  afterAll(async () => {
    await stack.close();
    await sink.close();
    await receiver.close();
  });

  /** Delivers what is due and returns the events that reached the endpoint since `from`, each verified. */
  async function delivered(from: number): Promise<Event[]> {
    await stack.broker.deliverWebhooks();
    const received = receiver.received.slice(from);
    expect(received.every((r) => r.verified)).toBe(true);
    return received.map((r) => {
      const event = JSON.parse(r.body) as Event;
      // Every payload is what the OpenAPI webhooks section documents.
      webhookPayloadSchema(event.type).parse(event);
      return event;
    });
  }

  async function confirmLink(link: string): Promise<Page> {
    const browser = new TestBrowser();
    const page = await browser.navigate(link);
    const form = formsOf(page.html).find((f) => f.action === '/link/confirm');
    const pressed = await browser.request(new URL('/link/confirm', page.url).href, { form: form?.fields ?? {} });
    const upstream = await browser.navigate(pressed.headers.get('location') ?? '');
    return loginUpstream(browser, upstream, carol, portal.redirectUri);
  }

  it("publishes a person's association: requested, then confirmed with the membership it made, never a link or token", async () => {
    const start = receiver.received.length;
    const browser = new TestBrowser();
    const { callback } = await signIn(browser, portal, carol);
    await browser.submit(callback, '/associate', { email: REGISTERED }, portal.redirectUri);
    await stack.broker.deliverMail();
    const link = linkIn(mailOf(sink.received.at(-1)));
    const [requested] = await delivered(start);
    expect(requested).toMatchObject({
      type: 'association.requested',
      data: { signIn: { upstreamId: 'demo', subject: carol.sub }, contactIds: [expect.any(String)] },
    });

    const linked = await confirmLink(link);
    expect(headingOf(linked.html)).not.toBe('Confirm the association');
    const events = await delivered(start + 1);
    events.sort((a, b) => a.type.localeCompare(b.type));
    expect(events.map((e) => e.type)).toEqual(['association.confirmed', 'membership.added']);
    expect(events[1]?.data).toMatchObject({ accountId, associationId: requested?.data.associationId });
    const bodies = receiver.received.map((r) => r.body).join('\n');
    expect(bodies).not.toContain(new URL(link).searchParams.get('token'));
    expect(bodies).not.toContain(REGISTERED);
  });

  it("publishes support's changes with the client that made them", async () => {
    const start = receiver.received.length;
    const detail = await adminApi(stack, support, 'GET', `/accounts/${accountId}`);
    const member = detail.body.members[0];
    expect((await adminApi(stack, admin, 'PATCH', `/accounts/${accountId}`, { name: 'Events and Co' })).status).toBe(
      200,
    );
    expect((await adminApi(stack, admin, 'DELETE', `/memberships/${member.membershipId}`)).status).toBe(204);
    expect((await adminApi(stack, admin, 'DELETE', `/sign-ins/${member.signIns[0].id}`)).status).toBe(204);
    // Not in order (docs/webhooks.md): a receiver orders by the event's timestamp if it must.
    const events = (await delivered(start)).sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    expect(events.map((e) => [e.type, (e.data.actor as { id: string }).id])).toEqual([
      ['account.changed', ADMIN_CLIENT.clientId],
      ['membership.removed', ADMIN_CLIENT.clientId],
      ['identity.removed', ADMIN_CLIENT.clientId],
    ]);
    expect(events[0]?.data).toMatchObject({ accountId, change: 'updated', fields: ['name'] });
    expect(events[1]?.data).toMatchObject({ membershipId: member.membershipId, accountId });
  });

  it('announces a support request without its text, and lists a delivery the endpoint refused for support to replay', async () => {
    const start = receiver.received.length;
    receiver.script({ status: 410 });
    const browser = new TestBrowser();
    const { callback } = await signIn(browser, portal, carol);
    await browser.submit(callback, '/support-request', { replyTo: '', customer: '', message: 'Secret plans inside.' });
    await stack.broker.deliverWebhooks();
    expect(receiver.received.slice(start).map((r) => r.payload)).toEqual([
      expect.objectContaining({ type: 'support-request.created' }),
    ]);
    expect(receiver.received.at(-1)?.body).not.toContain('Secret plans');

    const failures = await adminApi(stack, support, 'GET', '/webhooks/failures');
    const [failed] = failures.body.deliveries;
    expect(failed).toMatchObject({ type: 'support-request.created', status: 'failed', lastStatus: 410 });
    const replayed = await adminApi(stack, support, 'POST', `/webhooks/deliveries/${failed.id}/replay`, {});
    expect(replayed.status).toBe(200);
    await stack.broker.deliverWebhooks();
    const again = receiver.received.at(-1);
    expect([again?.webhookId, again?.verified]).toEqual([failed.webhookId, true]);
    expect((await adminApi(stack, support, 'GET', `/webhooks/deliveries/${failed.id}`)).body.status).toBe('delivered');
    expect((await adminApi(stack, support, 'GET', '/webhooks/failures')).body.deliveries).toEqual([]);
  });

  it('documents every event type in the OpenAPI webhooks section', async () => {
    const document = (await (await fetch(`${stack.brokerUrl}/admin/api/v1/openapi.json`)).json()) as {
      webhooks: Record<string, unknown>;
    };
    expect(Object.keys(document.webhooks).sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
  });
});
