import { randomBytes } from 'node:crypto';
import type {
  AttemptRecord,
  NewWebhookDelivery,
  WebhookDelivery,
  WebhookDeliveryStore,
} from '../../../src/events/webhook-deliveries.ts';

// The contract of the webhook delivery store, run unchanged against MongoDB and the in-memory store.

const base = new Date('2026-12-01T10:00:00.000Z');
const at = (seconds: number) => new Date(base.getTime() + seconds * 1_000);
const LEASE_MS = 10_000;
const CRM = 'https://crm.example.com/hooks/broker';
const ERP = 'https://erp.example.com/events';

function event(url = CRM, createdAt = base): NewWebhookDelivery {
  const eventId = randomBytes(12).toString('hex');
  return {
    eventId,
    webhookId: `msg_${eventId}`,
    type: 'membership.added',
    url,
    body: JSON.stringify({ type: 'membership.added', timestamp: createdAt.toISOString(), data: { eventId } }),
    createdAt,
  };
}

const failure = (seconds: number, status: 'pending' | 'failed' = 'failed'): AttemptRecord => ({
  status,
  lastStatus: 500,
  lastError: 'the endpoint answered HTTP 500',
  nextAttemptAt: at(seconds + 30),
  at: at(seconds),
});
const delivered = (seconds: number): AttemptRecord => ({
  status: 'delivered',
  lastStatus: 204,
  lastError: null,
  nextAttemptAt: at(seconds),
  at: at(seconds),
});

export function webhookDeliveriesConformance(
  name: string,
  open: () => Promise<{ store: WebhookDeliveryStore; close(): Promise<void> }>,
) {
  describe(`webhook deliveries conformance: ${name}`, () => {
    let store: WebhookDeliveryStore;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await open());
    });
    afterAll(() => close());

    /** Adds deliveries and returns them as stored, found by event. */
    async function added(...deliveries: NewWebhookDelivery[]): Promise<WebhookDelivery[]> {
      await store.add(deliveries);
      const pending = await store.due(at(3_600 * 24 * 365), null, 1_000);
      return deliveries.map((d) => {
        const found = pending.find((p) => p.eventId === d.eventId && p.url === d.url);
        if (!found) throw new Error('delivery not stored');
        return found;
      });
    }

    /** Moves a delivery to failed through its claimed try, as the worker does. */
    async function fail(delivery: WebhookDelivery, seconds: number): Promise<void> {
      const attempt = { id: delivery.id, round: delivery.round, attempt: delivery.attempts };
      expect(await store.claimAttempt(attempt, 'w', at(seconds), LEASE_MS)).toBe('claimed');
      expect(await store.recordAttempt(attempt, failure(seconds))).toBe(true);
    }

    it('stores a new delivery pending, due at once, with its webhook-id and body as given', async () => {
      const input = event();
      const [stored] = await added(input);
      expect(stored).toMatchObject({
        ...input,
        status: 'pending',
        round: 0,
        attempts: 0,
        nextAttemptAt: input.createdAt,
        lastStatus: null,
        lastError: null,
        finishedAt: null,
      });
      expect(stored?.id).toMatch(/^[0-9a-f]{24}$/);
      expect(await store.find(stored!.id)).toEqual(stored);
    });

    it('keeps one delivery per (event, endpoint): adding it again changes nothing, another endpoint gets its own', async () => {
      const first = event();
      const [stored] = await added(first);
      await store.add([{ ...first, webhookId: 'msg_other', body: '{}' }]);
      const [toErp] = await added({ ...first, url: ERP });
      const all = await store.due(at(3_600), null, 1_000);
      expect(
        all
          .filter((d) => d.eventId === first.eventId)
          .map((d) => d.url)
          .sort(),
      ).toEqual([CRM, ERP].sort());
      expect(await store.find(stored!.id)).toMatchObject({ webhookId: first.webhookId, body: first.body });
      expect(toErp?.webhookId).toBe(first.webhookId);
    });

    it('lists due deliveries in id order, page by page, and not those due later or no longer pending', async () => {
      const [a, b, c, later] = await added(
        event(CRM, at(7_000)),
        event(CRM, at(7_000)),
        event(CRM, at(7_000)),
        event(CRM, at(7_200)),
      );
      await fail(b!, 7_000);
      const due = (await store.due(at(7_100), null, 1_000)).map((d) => d.id);
      expect(due).toEqual(expect.arrayContaining([a!.id, c!.id]));
      expect(due).not.toContain(b!.id);
      expect(due).not.toContain(later!.id);
      expect([...due].sort()).toEqual(due);
      const firstPage = await store.due(at(7_100), null, 1);
      const secondPage = await store.due(at(7_100), firstPage[0]!.id, 1);
      expect(secondPage[0]!.id > firstPage[0]!.id).toBe(true);
    });

    it('lets exactly one of several workers claim a try, and a fresh claim for the next try or round', async () => {
      const [delivery] = await added(event());
      const attempt = { id: delivery!.id, round: 0, attempt: 0 };
      const outcomes = await Promise.all(
        ['a', 'b', 'c', 'd'].map((worker) => store.claimAttempt(attempt, worker, at(10), LEASE_MS)),
      );
      expect(outcomes.filter((o) => o === 'claimed')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'held')).toHaveLength(3);
      expect(await store.claimAttempt({ ...attempt, attempt: 1 }, 'b', at(11), LEASE_MS)).toBe('claimed');
      expect(await store.claimAttempt({ ...attempt, round: 1 }, 'c', at(11), LEASE_MS)).toBe('claimed');
    });

    it('hands a try whose worker stopped renewing to one taker after the lease, but not a renewed one', async () => {
      const [dead, alive] = await added(event(), event());
      const deadTry = { id: dead!.id, round: 0, attempt: 0 };
      const aliveTry = { id: alive!.id, round: 0, attempt: 0 };
      expect(await store.claimAttempt(deadTry, 'dead', at(0), LEASE_MS)).toBe('claimed');
      expect(await store.claimAttempt(aliveTry, 'alive', at(0), LEASE_MS)).toBe('claimed');
      await store.renewClaim(aliveTry, 'alive', at(9));
      await store.renewClaim(deadTry, 'someone-else', at(9));
      expect(await store.claimAttempt(deadTry, 'x', at(9), LEASE_MS)).toBe('held');
      const takers = await Promise.all(['x', 'y', 'z'].map((w) => store.claimAttempt(deadTry, w, at(11), LEASE_MS)));
      expect(takers.filter((o) => o === 'abandoned')).toHaveLength(1);
      expect(takers.filter((o) => o === 'held')).toHaveLength(2);
      expect(await store.claimAttempt(aliveTry, 'x', at(11), LEASE_MS)).toBe('held');
    });

    it('records a try once, for the try the delivery is at: delivered with its status and time', async () => {
      const [delivery] = await added(event());
      const attempt = { id: delivery!.id, round: 0, attempt: 0 };
      expect(await store.isPendingAt(attempt)).toBe(true);
      expect(await store.recordAttempt({ ...attempt, attempt: 1 }, delivered(5))).toBe(false);
      expect(await store.recordAttempt(attempt, failure(5, 'pending'))).toBe(true);
      expect(await store.isPendingAt(attempt)).toBe(false);
      expect(await store.find(delivery!.id)).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastStatus: 500,
        nextAttemptAt: at(35),
        finishedAt: null,
      });
      const second = { ...attempt, attempt: 1 };
      expect(await store.recordAttempt(second, delivered(40))).toBe(true);
      expect(await store.recordAttempt(second, failure(41))).toBe(false);
      expect(await store.find(delivery!.id)).toMatchObject({
        status: 'delivered',
        attempts: 2,
        lastStatus: 204,
        lastError: null,
        finishedAt: at(40),
      });
    });

    it('lists failed deliveries most recently failed first, page after page from a cursor', async () => {
      const deliveries = await added(event(), event(), event());
      for (const [i, delivery] of deliveries.entries()) await fail(delivery, 100_000 + i);
      const newest = await store.failed(2);
      expect(newest.map((d) => d.id)).toEqual([deliveries[2]!.id, deliveries[1]!.id]);
      expect(newest.every((d) => d.status === 'failed')).toBe(true);
      const last = newest[1]!;
      const next = await store.failed(1, { finishedAt: last.finishedAt!, id: last.id });
      expect(next.map((d) => d.id)).toEqual([deliveries[0]!.id]);
    });

    it('replays a failed delivery as a new round with the same webhook-id and body, once per request', async () => {
      const [delivery] = await added(event());
      await fail(delivery!, 200_000);
      const outcomes = await Promise.all([
        store.replay(delivery!.id, { actor: 'crm-sync', at: at(200_100) }),
        store.replay(delivery!.id, { actor: 'support-desk', at: at(200_100) }),
      ]);
      expect(outcomes.filter((o) => o === 'replayed')).toHaveLength(1);
      expect(outcomes.filter((o) => o !== 'replayed').every((o) => o === 'replayed-already' || o === 'pending')).toBe(
        true,
      );
      const replayed = await store.find(delivery!.id);
      expect(replayed).toMatchObject({
        status: 'pending',
        round: 1,
        attempts: 0,
        nextAttemptAt: at(200_100),
        webhookId: delivery!.webhookId,
        body: delivery!.body,
        lastError: null,
        finishedAt: null,
        replayedAt: at(200_100),
      });
      expect(['crm-sync', 'support-desk']).toContain(replayed?.replayedBy);
      expect(await store.isPendingAt({ id: delivery!.id, round: 1, attempt: 0 })).toBe(true);
      expect((await store.failed(1_000)).map((d) => d.id)).not.toContain(delivery!.id);
    });

    it('replays a delivered one too, refuses one still pending, and finds nothing for an unknown or malformed id', async () => {
      const [done, waiting] = await added(event(), event());
      const attempt = { id: done!.id, round: 0, attempt: 0 };
      await store.claimAttempt(attempt, 'w', at(1), LEASE_MS);
      await store.recordAttempt(attempt, delivered(1));
      expect(await store.replay(done!.id, { actor: 'a', at: at(2) })).toBe('replayed');
      expect(await store.replay(waiting!.id, { actor: 'a', at: at(2) })).toBe('pending');
      expect(await store.replay('0123456789abcdef01234567', { actor: 'a', at: at(2) })).toBe('not-found');
      expect(await store.replay('not an id', { actor: 'a', at: at(2) })).toBe('not-found');
      expect(await store.find('{"$gt":""}')).toBeNull();
    });
  });
}
