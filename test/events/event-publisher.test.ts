import { Writable } from 'node:stream';
import type { WebhookConfig } from '../../src/config/index.ts';
import { createEventPublisher } from '../../src/events/event-publisher.ts';
import type { WebhookEventData } from '../../src/events/event-types.ts';
import type { WebhookDeliveryStore } from '../../src/events/webhook-deliveries.ts';
import { webhookEndpoints } from '../../src/events/webhook-endpoints.ts';
import { createWebhookEvents } from '../../src/events/webhook-events.ts';
import { WEBHOOK_EVENT_EXAMPLES } from '../../src/events/webhook-examples.ts';
import { createLogger } from '../../src/log/logger.ts';
import { silentLogger } from '../support/stores.ts';
import { MemoryWebhookDeliveries } from './support/in-memory-deliveries.ts';
import { newWebhookSecret } from './support/webhook-secret.ts';

const SECRET = newWebhookSecret();
const CRM = 'https://crm.example.com/hooks';
const ERP = 'https://erp.example.com/events';
const endpoint = (url: string, events: WebhookConfig['events']): WebhookConfig => ({
  url,
  secret: SECRET,
  events,
  allowPrivateNetwork: false,
});
const REMOVED = WEBHOOK_EVENT_EXAMPLES['identity.removed'];

function capturedLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

describe('the event publisher', () => {
  it('stores one delivery per subscribed endpoint, with the Standard Webhooks body, and sends nothing', async () => {
    const store = new MemoryWebhookDeliveries();
    const publisher = createEventPublisher({
      endpoints: webhookEndpoints([endpoint(CRM, ['identity.removed']), endpoint(ERP, ['account.changed'])]),
      store,
      logger: silentLogger,
    });
    const at = new Date('2026-12-01T10:00:00.000Z');
    await publisher.publish('identity.removed', REMOVED, { at });

    const stored = [...store.deliveries.values()];
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ url: CRM, type: 'identity.removed', status: 'pending', attempts: 0 });
    expect(JSON.parse(stored[0]!.body)).toEqual({
      type: 'identity.removed',
      timestamp: at.toISOString(),
      data: REMOVED,
    });
    expect(stored[0]?.webhookId).toBe(`msg_${stored[0]?.eventId}`);
  });

  it('gives every endpoint of one event the same webhook-id, and "*" every event', async () => {
    const store = new MemoryWebhookDeliveries();
    const publisher = createEventPublisher({
      endpoints: webhookEndpoints([endpoint(CRM, ['*']), endpoint(ERP, ['identity.removed'])]),
      store,
      logger: silentLogger,
    });
    await publisher.publish('identity.removed', REMOVED);
    await publisher.publish('support-request.created', WEBHOOK_EVENT_EXAMPLES['support-request.created']);
    const stored = [...store.deliveries.values()];
    expect(stored.map((d) => `${d.type} ${d.url}`).sort()).toEqual([
      `identity.removed ${CRM}`,
      `identity.removed ${ERP}`,
      `support-request.created ${CRM}`,
    ]);
    const removed = stored.filter((d) => d.type === 'identity.removed');
    expect(removed[0]?.webhookId).toBe(removed[1]?.webhookId);
  });

  it('keeps one delivery per endpoint when a retried request publishes the same event id again', async () => {
    const store = new MemoryWebhookDeliveries();
    const publisher = createEventPublisher({
      endpoints: webhookEndpoints([endpoint(CRM, ['*'])]),
      store,
      logger: silentLogger,
    });
    await publisher.publish('identity.removed', REMOVED, { eventId: 'identity-removed-6752a1f0' });
    await publisher.publish('identity.removed', REMOVED, { eventId: 'identity-removed-6752a1f0' });
    expect([...store.deliveries.values()].map((d) => d.webhookId)).toEqual(['msg_identity-removed-6752a1f0']);
  });

  it('drops a field the schema does not name: a token handed in by mistake never leaves', async () => {
    const store = new MemoryWebhookDeliveries();
    const publisher = createEventPublisher({
      endpoints: webhookEndpoints([endpoint(CRM, ['*'])]),
      store,
      logger: silentLogger,
    });
    const leaky = { ...REMOVED, linkToken: 'tok_must_never_leave' } as WebhookEventData<'identity.removed'>;
    await publisher.publish('identity.removed', leaky);
    const [stored] = [...store.deliveries.values()];
    expect(stored?.body).not.toContain('tok_must_never_leave');
    expect(JSON.parse(stored!.body).data).toEqual(REMOVED);
  });

  it('does not publish data that breaks its schema, and logs which fields without their values', async () => {
    const store = new MemoryWebhookDeliveries();
    const { logger, lines } = capturedLogger();
    const failures: string[] = [];
    const publisher = createEventPublisher({
      endpoints: webhookEndpoints([endpoint(CRM, ['*'])]),
      store,
      logger,
      failuresCounter: { inc: ({ type }) => void failures.push(type) },
    });
    const broken = { ...REMOVED, personId: 42 } as unknown as WebhookEventData<'identity.removed'>;
    await publisher.publish('identity.removed', broken);
    expect(store.deliveries.size).toBe(0);
    expect(failures).toEqual(['identity.removed']);
    expect(lines.join('')).toContain('"fields":["personId"]');
    expect(lines.join('')).not.toContain(REMOVED.signIn.subject);
  });

  it('never rejects when the store fails: the failure is logged and counted, the caller goes on', async () => {
    const store = new MemoryWebhookDeliveries();
    store.failing = true;
    const { logger, lines } = capturedLogger();
    const failures: string[] = [];
    const publisher = createEventPublisher({
      endpoints: webhookEndpoints([endpoint(CRM, ['*'])]),
      store,
      logger,
      failuresCounter: { inc: ({ type }) => void failures.push(type) },
    });
    await expect(publisher.publish('identity.removed', REMOVED)).resolves.toBeUndefined();
    expect(failures).toEqual(['identity.removed']);
    expect(lines.join('')).toContain('event not stored: it will not be delivered');
    expect(lines.join('')).not.toContain(REMOVED.signIn.subject);
  });

  it('waits for a slow store only briefly; the insert finishes in the background', async () => {
    const memory = new MemoryWebhookDeliveries();
    let release: () => void = () => undefined;
    const slow: WebhookDeliveryStore = Object.assign(Object.create(memory) as WebhookDeliveryStore, {
      add: async (deliveries: Parameters<WebhookDeliveryStore['add']>[0]) => {
        await new Promise<void>((resolve) => (release = resolve));
        await memory.add(deliveries);
      },
    });
    const publisher = createEventPublisher({
      endpoints: webhookEndpoints([endpoint(CRM, ['*'])]),
      store: slow,
      logger: silentLogger,
      waitMs: 50,
    });
    const started = Date.now();
    await publisher.publish('identity.removed', REMOVED);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(memory.deliveries.size).toBe(0);
    release();
    await publisher.settle();
    expect(memory.deliveries.size).toBe(1);
  });

  it('is a no-op without configured endpoints, and the worker then does not poll', async () => {
    const store = new MemoryWebhookDeliveries();
    let polls = 0;
    const due = store.due.bind(store);
    store.due = (...args) => ((polls += 1), due(...args));
    const events = await createWebhookEvents({ webhooks: [], store, logger: silentLogger });
    await events.publisher.publish('identity.removed', REMOVED);
    events.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(polls).toBe(0);
    expect(store.deliveries.size).toBe(0);
    expect(await events.deliveries.listFailed({ limit: 10 })).toEqual({ deliveries: [], next: null });
    await events.stop();
  });
});
