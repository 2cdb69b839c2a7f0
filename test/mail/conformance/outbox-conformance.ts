import type { MailMessage, OutboxMessage, OutboxStore } from '../../../src/mail/outbox-store.ts';

// The contract of the outbox, run unchanged against MongoDB and the in-memory store (Dex's storage/conformance as
// the model): what the worker relies on to send each message once, and what support and the flows read.

export interface OutboxHarness {
  outbox: OutboxStore;
  close(): Promise<void>;
}

/** A fresh, empty outbox whose clock dates the messages it queues. */
export type OpenOutbox = (options: { sealingKeys: readonly string[]; now: () => Date }) => Promise<OutboxHarness>;

const KEY = 'outbox-conformance-cookie-key-0123456789abcdef';
const LINK = 'https://broker.example/link?token=tok_conformance_0123456789abcdefghijklmnop';
const T0 = new Date('2026-12-01T10:00:00Z');
const LEASE_MS = 10_000;
const at = (ms: number) => new Date(T0.getTime() + ms);

const linkMail = (to = 'carol@carol-and-co.example'): OutboxMessage => ({
  to,
  template: 'association-link',
  data: { upstreamName: 'Google', accountName: 'Carol & Co', expiresInMinutes: 60 },
  secret: { link: LINK },
});

const ids = (messages: readonly MailMessage[]) => messages.map((m) => m.id);

export function outboxConformance(name: string, open: OpenOutbox) {
  describe(`outbox conformance: ${name}`, () => {
    const clock = { now: T0 };
    let harness: OutboxHarness;
    let outbox: OutboxStore;
    // A store of its own for each test: orders and pages are asserted over everything the store holds.
    beforeEach(async () => {
      clock.now = T0;
      harness = await open({ sealingKeys: [KEY], now: () => clock.now });
      outbox = harness.outbox;
    });
    afterEach(() => harness.close());

    async function queue(count: number, when = T0): Promise<string[]> {
      clock.now = when;
      const queued: string[] = [];
      for (let i = 0; i < count; i += 1) queued.push(await outbox.enqueue(linkMail(`person${i}@example.net`)));
      return queued;
    }

    it('queues a message pending at attempt 0, due at once, its secret sealed; finds it by id and nothing else', async () => {
      const id = await outbox.enqueue({ ...linkMail(), notAfter: at(3_600_000) });
      const stored = await outbox.find(id);
      expect(stored).toEqual({
        id,
        to: 'carol@carol-and-co.example',
        template: 'association-link',
        data: linkMail().data,
        sealed: expect.any(String),
        notAfter: at(3_600_000),
        status: 'pending',
        attempts: 0,
        nextAttemptAt: T0,
        lastError: null,
        providerMessageId: null,
        createdAt: T0,
        sentAt: null,
        retry: null,
      });
      expect(stored?.sealed).not.toContain('tok_conformance');
      expect(outbox.templateValues(stored!)).toEqual({ ...linkMail().data, link: LINK });
      expect(await outbox.find('0123456789abcdef01234567')).toBeNull();
      expect(await outbox.find('not an id')).toBeNull();
    });

    it('refuses to queue a one-time link as readable data', async () => {
      await expect(outbox.enqueue({ ...linkMail(), data: { link: LINK } })).rejects.toThrow(/secret/);
      await expect(outbox.enqueue({ ...linkMail(), data: { notMeLink: LINK } })).rejects.toThrow(/secret/);
      expect(await outbox.recent()).toEqual([]);
    });

    it('lists the newest first (at the same instant, the later one first), within the limit', async () => {
      const [a, b, c] = await queue(3, T0);
      const [d] = await queue(1, at(1_000));
      expect(ids(await outbox.recent(3))).toEqual([d, c, b]);
      expect(ids(await outbox.recent())).toEqual([d, c, b, a]);
    });

    it('pages through the due messages in id order after a cursor, each once, leaving those not due', async () => {
      const queued = await queue(5, T0);
      await queue(1, at(3_600_000));
      const now = at(60_000);
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let page = await outbox.due(now, cursor, 2); page.length > 0; page = await outbox.due(now, cursor, 2)) {
        expect(page.length).toBeLessThanOrEqual(2);
        seen.push(...ids(page));
        cursor = page.at(-1)!.id;
      }
      expect(seen).toEqual(queued);
      expect([...queued].sort()).toEqual(queued);
      // A message that left pending, or whose next attempt is later, is not due.
      await outbox.recordSent(queued[0]!, 0, 'provider-1', now);
      await outbox.recordFailure(queued[1]!, 0, { lastError: 'busy', status: 'pending', nextAttemptAt: at(120_000) });
      expect(ids(await outbox.due(now, null, 10))).toEqual(queued.slice(2));
      expect(ids(await outbox.due(at(120_000), null, 10))).toEqual(queued.slice(1));
    });

    it('lets exactly one of several workers claim an attempt at once; the next attempt is a claim of its own', async () => {
      const [id] = await queue(1);
      const outcomes = await Promise.all(
        ['a', 'b', 'c', 'd'].map((worker) => outbox.claimAttempt(id!, 0, worker, at(1_000), LEASE_MS)),
      );
      expect(outcomes.filter((o) => o === 'claimed')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'held')).toHaveLength(3);
      expect(await outbox.claimAttempt(id!, 0, 'e', at(LEASE_MS), LEASE_MS)).toBe('held');
      expect(await outbox.claimAttempt(id!, 1, 'e', at(2_000), LEASE_MS)).toBe('claimed');
    });

    it('lets exactly one worker take over an attempt whose claim outlived its lease, and keeps a renewed one held', async () => {
      const [id] = await queue(1);
      expect(await outbox.claimAttempt(id!, 0, 'slow', at(0), LEASE_MS)).toBe('claimed');
      // The holder renews while its send is in flight; someone else's renewal changes nothing.
      await outbox.renewClaim(id!, 0, 'slow', at(LEASE_MS - 1));
      await outbox.renewClaim(id!, 0, 'other', at(3 * LEASE_MS));
      expect(await outbox.claimAttempt(id!, 0, 'x', at(2 * LEASE_MS - 2), LEASE_MS)).toBe('held');
      // Then the holder stops renewing (its process died).
      const dead = at(2 * LEASE_MS - 1);
      const takers = await Promise.all(['x', 'y', 'z'].map((w) => outbox.claimAttempt(id!, 0, w, dead, LEASE_MS)));
      expect(takers.filter((o) => o === 'abandoned')).toHaveLength(1);
      expect(takers.filter((o) => o === 'held')).toHaveLength(2);
      // The taker holds the attempt for a lease too; after it, the attempt is abandoned again.
      expect(await outbox.claimAttempt(id!, 0, 'w', at(3 * LEASE_MS - 2), LEASE_MS)).toBe('held');
      expect(await outbox.claimAttempt(id!, 0, 'w', at(3 * LEASE_MS - 1), LEASE_MS)).toBe('abandoned');
    });

    it('records a message sent only from pending at its current attempt, once, and keeps nothing secret', async () => {
      const [id] = await queue(1);
      expect(await outbox.recordSent(id!, 1, 'provider-1', at(1_000))).toBe(false);
      expect(await outbox.isPendingAt(id!, 0)).toBe(true);
      expect(await outbox.recordSent(id!, 0, 'provider-1', at(1_000))).toBe(true);
      const sent = (await outbox.find(id!))!;
      expect(sent).toMatchObject({
        status: 'sent',
        attempts: 1,
        providerMessageId: 'provider-1',
        sentAt: at(1_000),
        lastError: null,
        sealed: null,
      });
      expect(outbox.templateValues(sent)).not.toHaveProperty('link');
      expect(await outbox.isPendingAt(id!, 0)).toBe(false);
      // A second outcome for the same attempt (a stale claimant) changes nothing.
      expect(await outbox.recordSent(id!, 0, 'provider-2', at(2_000))).toBe(false);
      const late = { lastError: 'late', status: 'failed', nextAttemptAt: at(2_000) } as const;
      expect(await outbox.recordFailure(id!, 0, late)).toBe(false);
      expect(await outbox.recordExpired(id!, 0)).toBe(false);
      expect(await outbox.find(id!)).toEqual(sent);
    });

    it('keeps a retried attempt pending and sealed for the next one; a final failure erases the secret', async () => {
      const [id] = await queue(1);
      const retry = { lastError: 'HTTP 500', status: 'pending', nextAttemptAt: at(1_000) } as const;
      expect(await outbox.recordFailure(id!, 0, retry)).toBe(true);
      const waiting = (await outbox.find(id!))!;
      expect(waiting).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastError: 'HTTP 500',
        nextAttemptAt: at(1_000),
      });
      expect(outbox.templateValues(waiting)).toMatchObject({ link: LINK });
      expect(await outbox.isPendingAt(id!, 1)).toBe(true);
      expect(await outbox.recordFailure(id!, 0, retry)).toBe(false);

      const final = { lastError: 'HTTP 400', status: 'failed', nextAttemptAt: at(2_000) } as const;
      expect(await outbox.recordFailure(id!, 1, final)).toBe(true);
      const failed = (await outbox.find(id!))!;
      expect(failed).toMatchObject({ status: 'failed', attempts: 2, lastError: 'HTTP 400', sealed: null });
      expect(outbox.templateValues(failed)).not.toHaveProperty('link');
      expect(await outbox.recordSent(id!, 2, 'provider-1', at(3_000))).toBe(false);
    });

    it('records a message expired (its link would arrive dead) once, keeping nothing secret', async () => {
      const [id] = await queue(1);
      expect(await outbox.recordExpired(id!, 1)).toBe(false);
      expect(await outbox.recordExpired(id!, 0)).toBe(true);
      const expired = (await outbox.find(id!))!;
      expect(expired).toMatchObject({ status: 'expired', attempts: 0, sealed: null, lastError: expect.any(String) });
      expect(outbox.templateValues(expired)).not.toHaveProperty('link');
      expect(await outbox.recordExpired(id!, 0)).toBe(false);
      expect(await outbox.recordSent(id!, 0, 'provider-1', at(1_000))).toBe(false);
    });

    it("lists support's failures, failed and expired, newest first, within the limit", async () => {
      const [failed] = await queue(1, at(1_000));
      const [sent] = await queue(1, at(2_000));
      const [expired] = await queue(1, at(3_000));
      await queue(1, at(4_000));
      const [older] = await queue(1, at(0));
      await outbox.recordFailure(failed!, 0, { lastError: 'HTTP 400', status: 'failed', nextAttemptAt: at(5_000) });
      await outbox.recordSent(sent!, 0, 'provider-1', at(5_000));
      await outbox.recordExpired(expired!, 0);
      await outbox.recordExpired(older!, 0);
      expect(ids(await outbox.failures(10))).toEqual([expired, failed, older]);
      expect(ids(await outbox.failures(2))).toEqual([expired, failed]);
    });

    /** A notice (no secret) given up after its first attempt. */
    async function failedNotice(ticket = 7): Promise<MailMessage> {
      const id = await outbox.enqueue({ to: 'desk@example.com', template: 'support-request', data: { ticket } });
      await outbox.recordFailure(id, 0, { lastError: 'HTTP 500', status: 'failed', nextAttemptAt: clock.now });
      return (await outbox.find(id))!;
    }

    it('queues a retried message again once, as a new pending one without secrets; a second retry is refused', async () => {
      const first = await failedNotice();
      const by = { actor: 'support-desk', at: at(60_000) };
      const newId = await outbox.retry(first, by);
      expect(newId).not.toBe('retried-already');
      expect(await outbox.find(newId)).toMatchObject({
        to: 'desk@example.com',
        template: 'support-request',
        data: { ticket: 7 },
        status: 'pending',
        attempts: 0,
        sealed: null,
        retry: null,
      });
      expect(await outbox.retry(first, by)).toBe('retried-already');

      // Two staff pressing "retry" at the same moment: one new message.
      const second = await failedNotice();
      const before = (await outbox.recent()).length;
      const answers = await Promise.all([outbox.retry(second, by), outbox.retry(second, by)]);
      expect(answers.filter((a) => a === 'retried-already')).toHaveLength(1);
      expect((await outbox.recent()).length).toBe(before + 1);
    });

    it('reads a retried message as retried, naming the new message, when and by whom; the rest of it unchanged', async () => {
      const failed = await failedNotice();
      const newId = await outbox.retry(failed, { actor: 'staff:bob', at: at(60_000) });
      expect(await outbox.find(failed.id)).toEqual({
        ...failed,
        status: 'retried',
        retry: { messageId: newId, at: at(60_000), by: 'staff:bob' },
      });
      // The worker moves only pending messages: a retried one stays as it is.
      expect(await outbox.recordSent(failed.id, failed.attempts, 'provider-1', at(61_000))).toBe(false);
      expect(ids(await outbox.due(at(61_000), null, 10))).toEqual([newId]);
    });

    it('lists only what still needs someone: not a retried message, but its retry once that fails too', async () => {
      const failed = await failedNotice(1);
      const expired = (await queue(1, at(1_000)))[0]!;
      await outbox.recordExpired(expired, 0);
      clock.now = at(2_000);
      const newId = await outbox.retry(failed, { actor: 'support-desk', at: at(2_000) });
      expect(ids(await outbox.failures(10))).toEqual([expired]);
      await outbox.recordFailure(newId as string, 0, { lastError: 'HTTP 500', status: 'failed', nextAttemptAt: T0 });
      expect(ids(await outbox.failures(10))).toEqual([newId, expired]);
    });

    it('pages through the failures newest first after the last one seen, none twice and none left out, also among messages of the same instant', async () => {
      const failAll = async (queued: string[]) => {
        for (const id of queued)
          await outbox.recordFailure(id, 0, { lastError: 'x', status: 'failed', nextAttemptAt: T0 });
      };
      const early = await queue(3, T0);
      const same = await queue(5, at(1_000));
      const late = await queue(1, at(2_000));
      await failAll([...early, ...same, ...late]);
      await outbox.recordSent((await queue(1, at(1_000)))[0]!, 0, 'provider-1', at(3_000));
      const all = await outbox.failures(100);
      expect(ids(all)).toEqual([...late, ...[...same].reverse(), ...[...early].reverse()]);
      for (const size of [1, 2, 3, 4]) {
        const seen: string[] = [];
        let page = await outbox.failures(size);
        // Bounded: a store that repeats a message would otherwise page forever instead of failing here.
        for (let pages = 0; page.length > 0 && pages <= all.length; pages += 1) {
          expect(page.length).toBeLessThanOrEqual(size);
          seen.push(...ids(page));
          const last = page.at(-1)!;
          page = await outbox.failures(size, { createdAt: last.createdAt, id: last.id });
        }
        expect([size, seen]).toEqual([size, ids(all)]);
      }
      // A position that names no message pages nowhere.
      expect(await outbox.failures(10, { createdAt: at(1_000), id: 'not an id' })).toEqual([]);
    });
  });
}
