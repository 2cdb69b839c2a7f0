import type { LookupAddress } from 'node:dns';
import type { WebhookConfig } from '../../src/config/index.ts';
import { createWebhookEvents, type WebhookEvents } from '../../src/events/webhook-events.ts';
import { WEBHOOK_EVENT_EXAMPLES } from '../../src/events/webhook-examples.ts';
import { createWebhookSender, guardedLookup, type ResolveHost } from '../../src/events/webhook-sender.ts';
import { silentLogger } from '../support/stores.ts';
import { MemoryWebhookDeliveries } from './support/in-memory-deliveries.ts';
import { newWebhookSecret } from './support/webhook-secret.ts';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

// An endpoint whose host resolves to this machine or its network is refused at send time unless the operator
// allowed it, whatever the name in the configuration: the check runs inside the connection's own DNS lookup.
// Every address used here is on loopback: nothing is ever sent anywhere else, even if the guard were broken.

const SECRET = newWebhookSecret();
const resolvesTo =
  (...addresses: string[]): ResolveHost =>
  async () =>
    addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('deliveries to private addresses', () => {
  let receiver: WebhookReceiver;
  let events: WebhookEvents | undefined;

  async function deliverTo(endpoint: Partial<WebhookConfig>, resolve?: ResolveHost) {
    const store = new MemoryWebhookDeliveries();
    events = await createWebhookEvents({
      webhooks: [{ secret: SECRET, events: ['*'], allowPrivateNetwork: false, url: receiver.url, ...endpoint }],
      store,
      logger: silentLogger,
      ...(resolve ? { resolve } : {}),
      delivery: { timeoutMs: 2_000 },
    });
    await events.publisher.publish('identity.removed', WEBHOOK_EVENT_EXAMPLES['identity.removed']);
    await events.deliverNow(new Date(Date.now() + 1_000));
    return [...store.deliveries.values()][0];
  }

  beforeEach(async () => {
    receiver = await startWebhookReceiver(SECRET);
  });
  afterEach(async () => {
    await events?.stop();
    await receiver.close();
  });

  it('refuses a DNS name that resolves to loopback, without connecting, and fails the delivery at once', async () => {
    const url = `http://receiver.localhost:${receiver.port}/hooks/broker`;
    const delivery = await deliverTo({ url }, resolvesTo('127.0.0.1'));
    expect(receiver.received).toHaveLength(0);
    expect(delivery).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastStatus: null,
      lastError: 'not sent: receiver.localhost resolves to the private address 127.0.0.1 (allowPrivateNetwork is off)',
    });
  });

  it('refuses a private IP literal without any lookup', async () => {
    const delivery = await deliverTo({ url: receiver.url });
    expect(receiver.received).toHaveLength(0);
    expect(delivery).toMatchObject({
      status: 'failed',
      lastError: expect.stringContaining('127.0.0.1 is a private address'),
    });
  });

  it('refuses with the system resolver too (localhost)', async () => {
    const delivery = await deliverTo({ url: `http://localhost:${receiver.port}/hooks/broker` });
    expect(receiver.received).toHaveLength(0);
    expect(delivery?.status).toBe('failed');
  });

  it('delivers to the same name once allowPrivateNetwork is set', async () => {
    const url = `http://receiver.localhost:${receiver.port}/hooks/broker`;
    const delivery = await deliverTo({ url, allowPrivateNetwork: true }, resolvesTo('127.0.0.1'));
    expect(delivery).toMatchObject({ status: 'delivered', lastStatus: 204 });
    expect(receiver.received.map((r) => r.verified)).toEqual([true]);
  });

  it('sends nothing for a refused address even when called directly', async () => {
    const send = createWebhookSender({ resolve: resolvesTo('127.0.0.1') });
    const result = await send({
      url: `http://crm.example.test:${receiver.port}/`,
      body: '{}',
      headers: {},
      timeoutMs: 1_000,
      allowPrivateNetwork: false,
    });
    expect(result).toEqual({ kind: 'refused', reason: 'crm.example.test resolves to the private address 127.0.0.1' });
    expect(receiver.received).toHaveLength(0);
  });

  it('refuses a name when any of its addresses is private, so no answer order can slip one through', async () => {
    // The lookup alone, called directly: nothing connects anywhere.
    const lookup = guardedLookup(resolvesTo('8.8.8.8', '10.1.2.3'), false);
    const answer = await new Promise<{ error: Error | null; addresses: unknown }>((resolve) =>
      lookup('mixed.example.test', { all: true }, (error, addresses) => resolve({ error, addresses })),
    );
    expect(answer.error?.message).toBe('mixed.example.test resolves to the private address 10.1.2.3');
    const allowed = guardedLookup(resolvesTo('8.8.8.8', '10.1.2.3'), true);
    const first = await new Promise<unknown>((resolve) =>
      allowed('mixed.example.test', { family: 4 }, (_error, address) => resolve(address)),
    );
    expect(first).toBe('8.8.8.8');
  });
});
