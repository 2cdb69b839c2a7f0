import { createWebhookEvents } from '../../src/events/webhook-events.ts';
import { DELIVERY_CLAIM_LEASE_MS } from '../../src/events/delivery-worker.ts';
import { WEBHOOK_EVENT_EXAMPLES } from '../../src/events/webhook-examples.ts';
import { silentLogger } from '../support/stores.ts';
import { MemoryWebhookDeliveries } from './support/in-memory-deliveries.ts';
import { newWebhookSecret } from './support/webhook-secret.ts';
import { startWebhookReceiver } from './support/webhook-receiver.ts';

const SECRET = newWebhookSecret();

describe('the webhook delivery worker', () => {
  it('stops a pass when the store fails to record a try, and a later pass loses nothing', async () => {
    const receiver = await startWebhookReceiver(SECRET);
    const store = new MemoryWebhookDeliveries();
    const events = await createWebhookEvents({
      webhooks: [{ url: receiver.url, secret: SECRET, events: ['*'], allowPrivateNetwork: true }],
      store,
      logger: silentLogger,
      delivery: { concurrency: 1 },
    });
    try {
      await events.publisher.publish('identity.removed', WEBHOOK_EVENT_EXAMPLES['identity.removed']);
      await events.publisher.publish('account.changed', WEBHOOK_EVENT_EXAMPLES['account.changed']);
      const record = store.recordAttempt.bind(store);
      store.recordAttempt = () => Promise.reject(new Error('MongoDB went away (test)'));
      const t0 = new Date(Date.now() + 1_000);

      await expect(events.deliverNow(t0)).rejects.toThrow('MongoDB went away (test)');
      expect(receiver.received).toHaveLength(1);

      store.recordAttempt = record;
      // The unrecorded try's claim protects it for the lease; after that it is taken over and tried again.
      expect(await events.deliverNow(new Date(t0.getTime() + 1_000))).toBe(1);
      expect(await events.deliverNow(new Date(t0.getTime() + DELIVERY_CLAIM_LEASE_MS + 1_000))).toBe(1);
      expect([...store.deliveries.values()].map((d) => d.status)).toEqual(['delivered', 'delivered']);
      expect(receiver.received).toHaveLength(3);
      expect(receiver.received[2]?.webhookId).toBe(receiver.received[0]?.webhookId);
    } finally {
      await events.stop();
      await receiver.close();
    }
  });
});
