import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWebhookEvents, type WebhookEvents } from '../../src/events/webhook-events.ts';
import { WEBHOOK_EVENT_EXAMPLES } from '../../src/events/webhook-examples.ts';
import { openTestMongo, silentLogger, type TestMongo } from '../support/stores.ts';
import { newWebhookSecret } from './support/webhook-secret.ts';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

const WORKER_PROCESS = join(dirname(fileURLToPath(import.meta.url)), 'support/webhook-worker-process.ts');
const SECRET = newWebhookSecret();
/** Short, so that the test waits seconds: the production lease is 10 s. */
const LEASE_MS = 2_000;

describe('a broker process killed while it delivers a webhook', () => {
  let mongo: TestMongo;
  let receiver: WebhookReceiver;
  let survivor: WebhookEvents | undefined;

  beforeAll(async () => {
    mongo = await openTestMongo();
    receiver = await startWebhookReceiver(SECRET);
  });
  afterAll(async () => {
    await survivor?.stop();
    await receiver.close();
    await mongo.dispose();
  });

  it('has its delivery tried again by another process once the claim lease ran out, with the same webhook-id', async () => {
    const endpoint = { url: receiver.url, secret: SECRET, events: ['*' as const], allowPrivateNetwork: true };
    survivor = await createWebhookEvents({
      webhooks: [endpoint],
      mongo: mongo.connection,
      logger: silentLogger,
      delivery: { pollIntervalMs: 250, leaseMs: LEASE_MS, workerId: 'survivor' },
    });
    await survivor.publisher.publish('membership.removed', WEBHOOK_EVENT_EXAMPLES['membership.removed']);
    // The doomed process's request hangs at the receiver; every later one is answered.
    receiver.script({ hang: true });

    const doomed = spawn(process.execPath, [WORKER_PROCESS], {
      env: {
        ...process.env,
        MONGODB_URI: mongo.uri,
        RECEIVER_URL: receiver.url,
        WEBHOOK_SECRET: SECRET,
        LEASE_MS: String(LEASE_MS),
      },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => doomed.once('exit', resolve));
    await receiver.waitForRequests(1, 20_000);
    doomed.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();

    survivor.start();
    await receiver.waitForRequests(2, LEASE_MS + 10_000);
    expect(Date.now() - killedAt).toBeLessThan(6 * LEASE_MS);
    await survivor.stop();

    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]?.webhookId).toBe(receiver.received[0]?.webhookId);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    const page = await survivor.deliveries.listFailed({ limit: 10 });
    expect(page).toEqual({ deliveries: [], next: null });
    const [stored] = await mongo.connection.collection('webhookdeliveries').find().toArray();
    // The dead process's try counts as failed ("may have been delivered"), the survivor's as delivered.
    expect(stored).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 204 });
  }, 60_000);
});
