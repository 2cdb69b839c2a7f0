import { Writable } from 'node:stream';
import type { WebhookConfig } from '../../src/config/index.ts';
import type { RetryPolicy } from '../../src/events/retry-policy.ts';
import { Types } from 'mongoose';
import { DELIVERED_KEPT_MS, webhookClaimModel, webhookDeliveryModel } from '../../src/events/webhook-delivery-model.ts';
import { createWebhookEvents, type WebhookEvents, type DeliverySettings } from '../../src/events/webhook-events.ts';
import { WEBHOOK_EVENT_EXAMPLES } from '../../src/events/webhook-examples.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { connectMongo } from '../../src/store/mongo.ts';
import { openTestMongo, silentLogger, type TestMongo } from '../support/stores.ts';
import { newWebhookSecret } from './support/webhook-secret.ts';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

// Deliveries from MongoDB to a real receiver on loopback that verifies every signature with the standardwebhooks
// library. Time is injected into each pass (`deliverNow(now)`), so back-off is observed without waiting for it.

const SECRET = newWebhookSecret();
const FAST: RetryPolicy = {
  maxAttempts: 4,
  initialDelayMs: 1_000,
  maxDelayMs: 60_000,
  maxRetryAfterMs: 600_000,
  jitter: () => 0,
};
const MEMBERSHIP = WEBHOOK_EVENT_EXAMPLES['membership.added'];
const seconds = (base: Date, s: number) => new Date(base.getTime() + s * 1_000);

describe('webhook delivery to a receiver on loopback', () => {
  let mongo: TestMongo;
  let receiver: WebhookReceiver;
  const running: WebhookEvents[] = [];

  async function webhookEvents(
    options: { endpoint?: Partial<WebhookConfig>; delivery?: Partial<DeliverySettings>; logger?: Logger } = {},
  ): Promise<WebhookEvents> {
    const endpoint = {
      url: receiver.url,
      secret: SECRET,
      events: ['*'],
      allowPrivateNetwork: true,
      ...options.endpoint,
    };
    const events = await createWebhookEvents({
      webhooks: [endpoint as WebhookConfig],
      mongo: mongo.connection,
      logger: options.logger ?? silentLogger,
      delivery: { policy: FAST, timeoutMs: 1_000, pollIntervalMs: 60_000, ...options.delivery },
    });
    running.push(events);
    return events;
  }

  /** Publishes one event and returns its delivery's id. */
  async function published(events: WebhookEvents): Promise<string> {
    await events.publisher.publish('membership.added', MEMBERSHIP);
    const [pending] = await mongo.connection
      .collection('webhookdeliveries')
      .find()
      .sort({ _id: -1 })
      .limit(1)
      .toArray();
    return String(pending?._id);
  }

  beforeAll(async () => {
    mongo = await openTestMongo();
  });
  afterAll(() => mongo.dispose());
  beforeEach(async () => {
    await Promise.all(
      ['webhookdeliveries', 'webhookclaims', 'webhookreplays'].map((name) =>
        mongo.connection.collection(name).deleteMany({}),
      ),
    );
    receiver = await startWebhookReceiver(SECRET);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((events) => events.stop()));
    await receiver.close();
  });

  it('delivers an event as a Standard Webhook that the library verifies: id, timestamp, signature, body', async () => {
    const events = await webhookEvents();
    const at = new Date('2026-12-01T10:00:00.000Z');
    await events.publisher.publish('membership.added', MEMBERSHIP, { at });
    expect(await events.deliverNow(seconds(new Date(), 1))).toBe(1);

    expect(receiver.received).toHaveLength(1);
    const [received] = receiver.received;
    expect(received?.verified).toBe(true);
    expect(received?.webhookId).toMatch(/^msg_[0-9a-f]{24}$/);
    expect(received?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(received?.headers['content-type']).toBe('application/json');
    expect(Math.abs(Number(received?.timestamp) - Date.now() / 1_000)).toBeLessThan(60);
    expect(received?.payload).toEqual({ type: 'membership.added', timestamp: at.toISOString(), data: MEMBERSHIP });
  });

  it('signs with both secrets while one is rotated: a receiver with either verifies the same delivery', async () => {
    const next = newWebhookSecret();
    const withNew = await startWebhookReceiver(next);
    try {
      // The receiver still on the old secret (SECRET) and one already on the new one get the same bytes and headers.
      for (const target of [receiver, withNew]) {
        const events = await webhookEvents({ endpoint: { url: target.url, secret: next, previousSecret: SECRET } });
        await events.publisher.publish('membership.added', MEMBERSHIP);
        await events.deliverNow(seconds(new Date(), 1));
      }
      const [onOld, onNew] = [receiver.received[0], withNew.received[0]];
      expect([onOld?.verified, onNew?.verified]).toEqual([true, true]);
      expect(onOld?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}= v1,[A-Za-z0-9+/]{43}=$/);
      // Once the previous secret is removed, the old receiver no longer verifies what is sent.
      const after = await webhookEvents({ endpoint: { url: receiver.url, secret: next } });
      await after.publisher.publish('membership.added', MEMBERSHIP);
      await after.deliverNow(seconds(new Date(), 1));
      expect(receiver.received.at(-1)?.verified).toBe(false);
    } finally {
      await withNew.close();
    }
  });

  it('sends an endpoint only the events it subscribed to', async () => {
    const other = await startWebhookReceiver(SECRET);
    try {
      const events = await createWebhookEvents({
        webhooks: [
          { url: receiver.url, secret: SECRET, events: ['account.changed'], allowPrivateNetwork: true },
          { url: other.url, secret: SECRET, events: ['membership.added'], allowPrivateNetwork: true },
        ],
        mongo: mongo.connection,
        logger: silentLogger,
        delivery: { policy: FAST },
      });
      running.push(events);
      await events.publisher.publish('membership.added', MEMBERSHIP);
      expect(await events.deliverNow(seconds(new Date(), 1))).toBe(1);
      expect(receiver.received).toHaveLength(0);
      expect(other.received.map((r) => (r.payload as { type: string }).type)).toEqual(['membership.added']);
    } finally {
      await other.close();
    }
  });

  it('keeps a delivery while the receiver is down and delivers it once the receiver is back', async () => {
    const events = await webhookEvents();
    const { port } = receiver;
    await receiver.close();
    const id = await published(events);
    const t0 = seconds(new Date(), 1);

    expect(await events.deliverNow(t0)).toBe(0);
    expect(await events.deliveries.find(id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatus: null,
      lastError: 'the endpoint could not be reached: ECONNREFUSED',
      nextAttemptAt: seconds(t0, 1).toISOString(),
    });

    receiver = await startWebhookReceiver(SECRET, port);
    expect(await events.deliverNow(seconds(t0, 1))).toBe(1);
    expect(receiver.received.map((r) => r.verified)).toEqual([true]);
    expect(await events.deliveries.find(id)).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 204 });
  });

  it('tries again after a 500 with exponential back-off and the same webhook-id, then delivers', async () => {
    receiver.script({ status: 500 }, { status: 500 }, { status: 200 });
    const events = await webhookEvents();
    const id = await published(events);
    const t0 = seconds(new Date(), 1);

    expect(await events.deliverNow(t0)).toBe(0);
    expect(await events.deliveries.find(id)).toMatchObject({
      status: 'pending',
      lastStatus: 500,
      lastError: 'the endpoint answered HTTP 500',
    });
    expect(await events.deliverNow(seconds(t0, 0.9))).toBe(0); // not due yet: 1 s after the first try
    expect(receiver.received).toHaveLength(1);
    expect(await events.deliverNow(seconds(t0, 1))).toBe(0);
    expect((await events.deliveries.find(id))?.nextAttemptAt).toBe(seconds(t0, 1 + 2).toISOString());
    expect(await events.deliverNow(seconds(t0, 3))).toBe(1);

    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.webhookId)).size).toBe(1);
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    expect(await events.deliveries.find(id)).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200 });
  });

  it("honours a 429's Retry-After: not tried again before it, even when the back-off is shorter", async () => {
    receiver.script({ status: 429, headers: { 'Retry-After': '120' } });
    const events = await webhookEvents();
    const id = await published(events);
    const t0 = seconds(new Date(), 1);

    await events.deliverNow(t0);
    const next = new Date((await events.deliveries.find(id))!.nextAttemptAt!);
    expect(next.getTime()).toBeGreaterThanOrEqual(seconds(t0, 120).getTime());
    expect(next.getTime()).toBeLessThan(seconds(t0, 125).getTime());
    expect(await events.deliverNow(seconds(t0, 60))).toBe(0);
    expect(receiver.received).toHaveLength(1);
    expect(await events.deliverNow(seconds(t0, 125))).toBe(1);
    expect(await events.deliveries.find(id)).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('bounds a Retry-After of a day to maxRetryAfter', async () => {
    receiver.script({ status: 503, headers: { 'Retry-After': String(24 * 3_600) } });
    const events = await webhookEvents();
    const id = await published(events);
    const t0 = seconds(new Date(), 1);
    await events.deliverNow(t0);
    const next = new Date((await events.deliveries.find(id))!.nextAttemptAt!);
    expect(next.getTime() - t0.getTime()).toBeGreaterThanOrEqual(FAST.maxRetryAfterMs);
    expect(next.getTime() - t0.getTime()).toBeLessThan(FAST.maxRetryAfterMs + 5_000);
  });

  it('fails a delivery answered 410 at once, with that status, and never tries it again', async () => {
    receiver.script({ status: 410 });
    const events = await webhookEvents();
    const id = await published(events);
    const t0 = seconds(new Date(), 1);

    expect(await events.deliverNow(t0)).toBe(0);
    expect(await events.deliveries.find(id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastStatus: 410,
      lastError: 'the endpoint answered HTTP 410',
      nextAttemptAt: null,
    });
    expect(await events.deliverNow(seconds(t0, 3_600 * 24))).toBe(0);
    expect(receiver.received).toHaveLength(1);
    const page = await events.deliveries.listFailed({ limit: 10 });
    expect(page).toMatchObject({ deliveries: [{ id, status: 'failed', lastStatus: 410 }], next: null });
  });

  it('marks a delivered record for removal after 30 days and keeps failed and replayed ones (MongoDB TTL housekeeping)', async () => {
    const raw = (id: string) =>
      mongo.connection.collection('webhookdeliveries').findOne({ _id: new Types.ObjectId(id) });
    const events = await webhookEvents();
    const delivered = await published(events);
    const t0 = seconds(new Date(), 1);
    await events.deliverNow(t0);
    const record = await raw(delivered);
    expect(record?.status).toBe('delivered');
    expect(record?.purgeAt).toEqual(new Date((record?.finishedAt as Date).getTime() + DELIVERED_KEPT_MS));
    // The store's plain value does not carry the housekeeping field.
    expect(await events.deliveries.find(delivered)).not.toHaveProperty('purgeAt');

    receiver.script({ status: 410 });
    const failed = await published(events);
    await events.deliverNow(seconds(t0, 2));
    expect((await raw(failed))?.purgeAt).toBeNull();
    // Replayed and delivered again: kept as long as the new delivery.
    await events.deliveries.replay(delivered, { actor: 'crm-sync' });
    expect((await raw(delivered))?.purgeAt).toBeNull();
    // The TTL indexes are declared (FerretDB refuses them, so here nothing is purged; MongoDB does the purging).
    const ttl = (model: { schema: { indexes(): Array<[Record<string, unknown>, Record<string, unknown>]> } }) =>
      model.schema.indexes().filter(([, options]) => options.expireAfterSeconds !== undefined);
    expect(ttl(webhookDeliveryModel(mongo.connection))).toEqual([
      [{ purgeAt: 1 }, expect.objectContaining({ expireAfterSeconds: 0 })],
    ]);
    expect(ttl(webhookClaimModel(mongo.connection))).toEqual([
      [{ claimedAt: 1 }, expect.objectContaining({ expireAfterSeconds: DELIVERED_KEPT_MS / 1000 })],
    ]);
  });

  it('counts a receiver that does not answer in time as a failed try, and tries again', async () => {
    receiver.script({ hang: true });
    const events = await webhookEvents({ delivery: { timeoutMs: 300 } });
    const id = await published(events);
    const t0 = seconds(new Date(), 1);

    const started = Date.now();
    expect(await events.deliverNow(t0)).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await events.deliveries.find(id)).toMatchObject({
      status: 'pending',
      lastStatus: null,
      lastError: 'the endpoint did not answer in time',
    });
    expect(await events.deliverNow(seconds(t0, 1))).toBe(1);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]?.webhookId).toBe(receiver.received[1]?.webhookId);
  });

  it('fails a delivery after its last try, keeping the last answer, and lists it', async () => {
    receiver.script({ status: 500 }, { status: 502 }, { status: 500 }, { status: 504 });
    const events = await webhookEvents();
    const id = await published(events);
    let now = seconds(new Date(), 1);
    for (let attempt = 1; attempt <= FAST.maxAttempts; attempt += 1) {
      expect(await events.deliverNow(now)).toBe(0);
      now = seconds(now, 3_600);
    }
    expect(await events.deliveries.find(id)).toMatchObject({ status: 'failed', attempts: 4, lastStatus: 504 });
    expect(await events.deliverNow(now)).toBe(0);
    expect(receiver.received).toHaveLength(4);
  });

  it('replays a failed delivery with the same webhook-id and body, once per request', async () => {
    receiver.script({ status: 410 });
    const events = await webhookEvents();
    const id = await published(events);
    const t0 = seconds(new Date(), 1);
    await events.deliverNow(t0);

    const answers = await Promise.all([
      events.deliveries.replay(id, { actor: 'crm-sync' }),
      events.deliveries.replay(id, { actor: 'support-desk' }),
    ]);
    expect(answers.filter((a) => a.kind === 'replayed')).toHaveLength(1);
    expect(await events.deliveries.find(id)).toMatchObject({ status: 'pending', attempts: 0, replays: 1 });
    expect(await events.deliveries.replay(id, { actor: 'crm-sync' })).toEqual({ kind: 'pending' });

    expect(await events.deliverNow(seconds(new Date(), 1))).toBe(1);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]?.webhookId).toBe(receiver.received[0]?.webhookId);
    expect(receiver.received[1]?.body).toBe(receiver.received[0]?.body);
    expect(receiver.received[1]?.verified).toBe(true);
    expect(await events.deliveries.find(id)).toMatchObject({ status: 'delivered', replays: 1, lastStatus: 204 });
    expect(await events.deliveries.listFailed({ limit: 10 })).toEqual({ deliveries: [], next: null });
  });

  it('resumes after a restart: a new broker on the same database delivers what the stopped one left pending', async () => {
    receiver.script({ status: 503 });
    const before = await webhookEvents({ delivery: { workerId: 'before-restart' } });
    const id = await published(before);
    const t0 = seconds(new Date(), 1);
    expect(await before.deliverNow(t0)).toBe(0);
    await before.stop();

    const second = await openTestMongoOn(mongo.uri);
    try {
      const after = await createWebhookEvents({
        webhooks: [{ url: receiver.url, secret: SECRET, events: ['*'], allowPrivateNetwork: true }],
        mongo: second,
        logger: silentLogger,
        delivery: { policy: FAST, workerId: 'after-restart' },
      });
      expect(await after.deliverNow(seconds(t0, 1))).toBe(1);
      await after.stop();
    } finally {
      await second.close();
    }
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]?.webhookId).toBe(receiver.received[1]?.webhookId);
    expect(await before.deliveries.find(id)).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('makes each try once when two broker processes deliver from one database at the same time', async () => {
    const first = await webhookEvents({ delivery: { workerId: 'process-a' } });
    for (let i = 0; i < 12; i += 1) await first.publisher.publish('membership.added', MEMBERSHIP);
    // Every first try fails, so each delivery is tried exactly twice: once per try, by whichever process won it.
    receiver.script(...Array.from({ length: 12 }, () => ({ status: 500 })));
    const second = await openTestMongoOn(mongo.uri);
    try {
      const other = await createWebhookEvents({
        webhooks: [{ url: receiver.url, secret: SECRET, events: ['*'], allowPrivateNetwork: true }],
        mongo: second,
        logger: silentLogger,
        delivery: { policy: FAST, workerId: 'process-b' },
      });
      const t0 = seconds(new Date(), 1);
      await Promise.all([first.deliverNow(t0), other.deliverNow(t0)]);
      expect(receiver.received).toHaveLength(12);
      const [a, b] = await Promise.all([first.deliverNow(seconds(t0, 1)), other.deliverNow(seconds(t0, 1))]);
      expect(a + b).toBe(12);
      await other.stop();
    } finally {
      await second.close();
    }
    const byId = new Map<string, number>();
    for (const r of receiver.received) byId.set(r.webhookId, (byId.get(r.webhookId) ?? 0) + 1);
    expect(byId.size).toBe(12);
    expect([...byId.values()].every((count) => count === 2)).toBe(true);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
  });

  it('logs a delivery by id, type and outcome, never its secret, body or data', async () => {
    let logged = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged += chunk.toString();
        done();
      },
    });
    receiver.script({ status: 500 });
    const events = await webhookEvents({ logger: createLogger('debug', sink) });
    const id = await published(events);
    const t0 = seconds(new Date(), 1);
    await events.deliverNow(t0);
    await events.deliverNow(seconds(t0, 1));

    expect(logged).toContain(id);
    expect(logged).toContain('"outcome":"retry"');
    expect(logged).toContain('"outcome":"delivered"');
    expect(logged).not.toContain(SECRET.slice('whsec_'.length, 20));
    expect(logged).not.toContain(MEMBERSHIP.membershipId);
    expect(logged).not.toContain(receiver.received[0]!.body);
    expect(logged).not.toContain('webhook-signature');
  });

  it('counts tries by event type and outcome', async () => {
    const counted: string[] = [];
    receiver.script({ status: 500 }, { status: 404 });
    const events = await createWebhookEvents({
      webhooks: [{ url: receiver.url, secret: SECRET, events: ['*'], allowPrivateNetwork: true }],
      mongo: mongo.connection,
      logger: silentLogger,
      metrics: { webhookAttempts: { inc: ({ type, outcome }) => void counted.push(`${type} ${outcome}`) } },
      // One try at a time, so the scripted answers meet the deliveries in order.
      delivery: { policy: FAST, concurrency: 1 },
    });
    running.push(events);
    await events.publisher.publish('membership.added', MEMBERSHIP);
    await events.publisher.publish('account.changed', WEBHOOK_EVENT_EXAMPLES['account.changed']);
    const t0 = seconds(new Date(), 1);
    await events.deliverNow(t0);
    await events.deliverNow(seconds(t0, 1));
    expect(counted.sort()).toEqual([
      'account.changed rejected',
      'membership.added delivered',
      'membership.added retry',
    ]);
  });
});

/** A second connection to the same database, as another broker process has. */
const openTestMongoOn = (uri: string) => connectMongo(uri, { logger: silentLogger });
