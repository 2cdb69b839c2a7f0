// A broker process's webhook worker on its own, for the test that kills it mid-delivery:
// `node webhook-worker-process.ts` with MONGODB_URI, RECEIVER_URL and WEBHOOK_SECRET. It runs one pass, with a
// short claim lease, and no timeout that would end a hanging request before the test kills it.
import { createWebhookEvents } from '../../../src/events/webhook-events.ts';
import { createLogger } from '../../../src/log/logger.ts';
import { connectMongo } from '../../../src/store/mongo.ts';

const logger = createLogger('silent');
const mongo = await connectMongo(process.env.MONGODB_URI ?? '', { logger });
const events = await createWebhookEvents({
  webhooks: [
    {
      url: process.env.RECEIVER_URL ?? '',
      secret: process.env.WEBHOOK_SECRET,
      events: ['*'],
      allowPrivateNetwork: true,
    },
  ],
  mongo,
  logger,
  delivery: { timeoutMs: 120_000, leaseMs: Number(process.env.LEASE_MS), workerId: 'doomed-process' },
});
await events.deliverNow();
await mongo.close();
