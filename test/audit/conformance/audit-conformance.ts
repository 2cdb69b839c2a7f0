import type { AuditEntry, AuditEvent, AuditStore } from '../../../src/audit/audit-store.ts';

// The contract of the audit trail, run unchanged against MongoDB and the in-memory store (Dex's storage/conformance
// as the model): what support's search finds, and in which order.

export interface AuditHarness {
  audit: AuditStore;
  close(): Promise<void>;
}

/** A fresh, empty audit trail whose clock dates the events it records. */
export type OpenAudit = (options: { now: () => Date }) => Promise<AuditHarness>;

const T0 = new Date('2026-12-01T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const ACCOUNT = '64b000000000000000000001';
const OTHER_ACCOUNT = '64b000000000000000000002';
const PERSON = '64c000000000000000000001';

const ids = (entries: readonly AuditEntry[]) => entries.map((e) => e.id);

export function auditConformance(name: string, open: OpenAudit) {
  describe(`audit conformance: ${name}`, () => {
    const clock = { now: T0 };
    let harness: AuditHarness;
    let audit: AuditStore;
    // A store of its own for each test: searches are asserted over everything the store holds.
    beforeEach(async () => {
      clock.now = T0;
      harness = await open({ now: () => clock.now });
      audit = harness.audit;
    });
    afterEach(() => harness.close());

    /** Records the event at `minutes` after T0; resolves with its id. */
    async function record(minutes: number, event: AuditEvent): Promise<string> {
      const known = new Set(ids(await audit.recent({}, 1_000)));
      clock.now = at(minutes);
      await audit.record(event);
      return ids(await audit.recent({}, 1_000)).find((id) => !known.has(id))!;
    }

    it('records an event as given, dated by the clock, with string ids; an account id that is no id is kept as none', async () => {
      const event: AuditEvent = {
        type: 'association.requested',
        upstreamId: 'msa',
        subject: 'subject-1',
        accountId: ACCOUNT,
        ip: '192.0.2.7',
        reason: 'mailed',
        detail: { to: 'c***@example.com', attempts: 1, permanent: false, personId: null },
      };
      const id = await record(5, event);
      expect(await audit.recent()).toEqual([{ ...event, id, at: at(5), accountId: ACCOUNT }]);
      await record(6, { type: 'mail.sent', accountId: 'not an id' });
      expect((await audit.recent({ type: 'mail.sent' }))[0]?.accountId).toBeNull();
    });

    it('lists newest first, the later recorded first at the same instant, within the limit', async () => {
      const first = await record(1, { type: 'mail.sent' });
      const second = await record(1, { type: 'mail.sent' });
      const third = await record(1, { type: 'mail.sent' });
      const older = await record(0, { type: 'mail.sent' });
      const newest = await record(2, { type: 'mail.sent' });
      expect(ids(await audit.recent())).toEqual([newest, third, second, first, older]);
      expect(ids(await audit.search({}, 3))).toEqual([newest, third, second]);
      expect(ids(await audit.recent({}, 2))).toEqual([newest, third]);
    });

    it("finds an account's events; an account id that is none, or is no id, finds nothing", async () => {
      const mine = await record(1, { type: 'admin.account-changed', accountId: ACCOUNT });
      await record(2, { type: 'admin.account-changed', accountId: OTHER_ACCOUNT });
      await record(3, { type: 'admin.account-changed' });
      expect(ids(await audit.search({ accountId: ACCOUNT }, 10))).toEqual([mine]);
      expect(await audit.search({ accountId: null }, 10)).toEqual([]);
      expect(await audit.search({ accountId: 'not an id' }, 10)).toEqual([]);
      expect(await audit.search({ accountId: '64b0000000000000000000ff' }, 10)).toEqual([]);
    });

    it("finds a person's events: those of any of their sign-ins and those that name them", async () => {
      const google = await record(1, { type: 'association.requested', upstreamId: 'google', subject: 'g-1' });
      const msa = await record(2, { type: 'association.confirmed', upstreamId: 'msa', subject: 'm-1' });
      const named = await record(3, { type: 'admin.identity-removed', detail: { personId: PERSON } });
      // The same subject at another upstream is someone else.
      await record(4, { type: 'association.requested', upstreamId: 'apple', subject: 'g-1' });
      await record(5, { type: 'admin.identity-removed', detail: { personId: '64c000000000000000000002' } });
      const signIns = [
        { upstreamId: 'google', subject: 'g-1' },
        { upstreamId: 'msa', subject: 'm-1' },
      ];
      expect(ids(await audit.search({ person: { id: PERSON, signIns } }, 10))).toEqual([named, msa, google]);
      expect(ids(await audit.search({ person: { id: PERSON, signIns: [] } }, 10))).toEqual([named]);
      expect(ids(await audit.search({ person: { id: null, signIns: signIns.slice(1) } }, 10))).toEqual([msa]);
      expect(await audit.search({ person: { id: null, signIns: [] } }, 10)).toEqual([]);
    });

    it('filters by type, from `since` (included) until `until` (excluded), every criterion together', async () => {
      const before = await record(0, { type: 'mail.failed', accountId: ACCOUNT });
      const atSince = await record(10, { type: 'mail.failed', accountId: ACCOUNT });
      await record(15, { type: 'mail.sent', accountId: ACCOUNT });
      const inside = await record(19, { type: 'mail.failed', accountId: ACCOUNT });
      await record(19, { type: 'mail.failed', accountId: OTHER_ACCOUNT });
      const atUntil = await record(20, { type: 'mail.failed', accountId: ACCOUNT });
      expect(ids(await audit.search({ type: 'mail.failed', accountId: ACCOUNT }, 10))).toEqual([
        atUntil,
        inside,
        atSince,
        before,
      ]);
      const window = { since: at(10), until: at(20) };
      expect(ids(await audit.search({ ...window, type: 'mail.failed', accountId: ACCOUNT }, 10))).toEqual([
        inside,
        atSince,
      ]);
      expect(ids(await audit.search({ since: at(20) }, 10))).toEqual([atUntil]);
      expect(ids(await audit.search({ until: at(10) }, 10))).toEqual([before]);
      expect(await audit.search({ type: 'mail.expired' }, 10)).toEqual([]);
    });

    it('lists the recent events of one type or one subject', async () => {
      const sent = await record(1, { type: 'mail.sent', subject: 's-1' });
      const failed = await record(2, { type: 'mail.failed', subject: 's-2' });
      expect(ids(await audit.recent({ type: 'mail.sent' }))).toEqual([sent]);
      expect(ids(await audit.recent({ subject: 's-2' }))).toEqual([failed]);
      expect(ids(await audit.recent({ type: 'mail.sent', subject: 's-2' }))).toEqual([]);
    });
  });
}
