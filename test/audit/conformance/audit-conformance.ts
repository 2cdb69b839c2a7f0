import type { AuditEntry, AuditEvent, AuditSearch, AuditStore } from '../../../src/audit/audit-store.ts';

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

    /** Newest first, at most `limit`: the first page. */
    const search = (criteria: AuditSearch, limit = 10) => audit.search(criteria, { limit });

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
      expect(await audit.recent()).toEqual([
        { ...event, id, at: at(5), accountId: ACCOUNT, actor: null, personId: null },
      ]);
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
      expect(ids(await search({}, 3))).toEqual([newest, third, second]);
      expect(ids(await audit.recent({}, 2))).toEqual([newest, third]);
    });

    it("finds an account's events; an account id that is none, or is no id, finds nothing", async () => {
      const mine = await record(1, { type: 'admin.account-changed', accountId: ACCOUNT });
      await record(2, { type: 'admin.account-changed', accountId: OTHER_ACCOUNT });
      await record(3, { type: 'admin.account-changed' });
      expect(ids(await search({ accountId: ACCOUNT }, 10))).toEqual([mine]);
      expect(await search({ accountId: null }, 10)).toEqual([]);
      expect(await search({ accountId: 'not an id' }, 10)).toEqual([]);
      expect(await search({ accountId: '64b0000000000000000000ff' }, 10)).toEqual([]);
    });

    it("finds a person's events: those of any of their sign-ins and those that name them", async () => {
      const google = await record(1, { type: 'association.requested', upstreamId: 'google', subject: 'g-1' });
      const msa = await record(2, { type: 'association.confirmed', upstreamId: 'msa', subject: 'm-1' });
      // As admin changes named the person before `personId` was a field.
      const named = await record(3, { type: 'admin.identity-removed', detail: { personId: PERSON } });
      // The same subject at another upstream is someone else.
      await record(4, { type: 'association.requested', upstreamId: 'apple', subject: 'g-1' });
      await record(5, { type: 'admin.identity-removed', detail: { personId: '64c000000000000000000002' } });
      const field = await record(6, { type: 'admin.membership-removed', personId: PERSON });
      await record(7, { type: 'admin.membership-removed', personId: '64c000000000000000000002' });
      const signIns = [
        { upstreamId: 'google', subject: 'g-1' },
        { upstreamId: 'msa', subject: 'm-1' },
      ];
      expect(ids(await search({ person: { id: PERSON, signIns } }, 10))).toEqual([field, named, msa, google]);
      expect(ids(await search({ person: { id: PERSON, signIns: [] } }, 10))).toEqual([field, named]);
      expect(ids(await search({ person: { id: null, signIns: signIns.slice(1) } }, 10))).toEqual([msa]);
      expect(await search({ person: { id: null, signIns: [] } }, 10)).toEqual([]);
    });

    it('filters by type, from `from` (included) to `to` (excluded), every criterion together', async () => {
      const before = await record(0, { type: 'mail.failed', accountId: ACCOUNT });
      const atSince = await record(10, { type: 'mail.failed', accountId: ACCOUNT });
      await record(15, { type: 'mail.sent', accountId: ACCOUNT });
      const inside = await record(19, { type: 'mail.failed', accountId: ACCOUNT });
      await record(19, { type: 'mail.failed', accountId: OTHER_ACCOUNT });
      const atUntil = await record(20, { type: 'mail.failed', accountId: ACCOUNT });
      expect(ids(await search({ types: ['mail.failed'], accountId: ACCOUNT }, 10))).toEqual([
        atUntil,
        inside,
        atSince,
        before,
      ]);
      const window = { from: at(10), to: at(20) };
      expect(ids(await search({ ...window, types: ['mail.failed'], accountId: ACCOUNT }, 10))).toEqual([
        inside,
        atSince,
      ]);
      expect(ids(await search({ from: at(20) }, 10))).toEqual([atUntil]);
      expect(ids(await search({ to: at(10) }, 10))).toEqual([before]);
      expect(await search({ types: ['mail.expired'] }, 10)).toEqual([]);
    });

    it('names the actor and the person as fields; an event that names them only in its detail reads them from there', async () => {
      const byClient = await record(1, { type: 'admin.account-changed', actor: 'crm-sync', personId: PERSON });
      const legacy = await record(2, {
        type: 'admin.identity-removed',
        detail: { actor: 'staff:carol-0003', role: 'admin', personId: PERSON.toUpperCase() },
      });
      const byPerson = await record(3, { type: 'association.disowned', actor: PERSON, personId: 'not an id' });
      const byBroker = await record(4, { type: 'mail.sent', actor: null });
      const names = (await audit.recent()).map((e) => [e.id, e.actor, e.personId]);
      expect(names).toEqual([
        [byBroker, null, null],
        [byPerson, PERSON, null],
        [legacy, 'staff:carol-0003', PERSON],
        [byClient, 'crm-sync', PERSON],
      ]);
      expect((await audit.recent({ type: 'admin.identity-removed' }))[0]?.detail).toEqual({
        actor: 'staff:carol-0003',
        role: 'admin',
        personId: PERSON.toUpperCase(),
      });
    });

    it('finds the events of one actor, whether named as a field or only in the detail', async () => {
      const field = await record(1, { type: 'admin.contact-added', actor: 'crm-sync' });
      const legacy = await record(2, { type: 'admin.contact-changed', detail: { actor: 'crm-sync', role: 'admin' } });
      await record(3, { type: 'admin.contact-added', actor: 'support-desk' });
      await record(4, { type: 'admin.contact-changed', detail: { actor: 'support-desk' } });
      await record(5, { type: 'mail.sent' });
      expect(ids(await search({ actor: 'crm-sync' }))).toEqual([legacy, field]);
      expect(ids(await search({ actor: 'CRM-SYNC' }))).toEqual([]);
      expect(await search({ actor: 'nobody' })).toEqual([]);
    });

    it('finds events of any of several types; an empty list of types finds nothing', async () => {
      const sent = await record(1, { type: 'mail.sent' });
      const failed = await record(2, { type: 'mail.failed' });
      await record(3, { type: 'mail.expired' });
      const again = await record(4, { type: 'mail.sent' });
      expect(ids(await search({ types: ['mail.sent', 'mail.failed'] }))).toEqual([again, failed, sent]);
      expect(ids(await search({ types: ['mail.failed'] }))).toEqual([failed]);
      expect(await search({ types: [] })).toEqual([]);
    });

    it('combines actor, types, account, person and a time window: only events meeting every one', async () => {
      const signIns = [{ upstreamId: 'msa', subject: 'm-1' }];
      const both = { actor: 'crm-sync', accountId: ACCOUNT, upstreamId: 'msa', subject: 'm-1' } as const;
      const hit = await record(10, { ...both, type: 'admin.membership-removed' });
      const hitByPersonId = await record(11, {
        ...both,
        type: 'admin.identity-removed',
        subject: 'x',
        personId: PERSON,
      });
      await record(12, { ...both, type: 'admin.account-changed' });
      await record(13, { ...both, type: 'admin.membership-removed', actor: 'support-desk' });
      await record(14, { ...both, type: 'admin.membership-removed', accountId: OTHER_ACCOUNT });
      await record(15, { ...both, type: 'admin.membership-removed', subject: 'someone-else' });
      await record(20, { ...both, type: 'admin.membership-removed' });
      await record(9, { ...both, type: 'admin.membership-removed' });
      const criteria: AuditSearch = {
        actor: 'crm-sync',
        types: ['admin.membership-removed', 'admin.identity-removed'],
        accountId: ACCOUNT,
        person: { id: PERSON, signIns },
        from: at(10),
        to: at(20),
      };
      expect(ids(await search(criteria))).toEqual([hitByPersonId, hit]);
    });

    it('pages after the last entry of a page: every entry once, in order, also among many at the same instant', async () => {
      // Eleven entries, seven of them at one instant: pages of three cut through that instant twice.
      const recorded: string[] = [];
      for (const minutes of [1, 2, 2, 2, 2, 2, 2, 2, 3, 0, 4]) {
        recorded.push(await record(minutes, { type: 'mail.sent', actor: minutes === 0 ? 'other' : 'worker' }));
      }
      const everything = ids(await search({}, 100));
      expect(everything).toHaveLength(11);
      for (const [criteria, expected] of [
        [{}, everything],
        [{ actor: 'worker' }, everything.filter((id) => id !== recorded[9])],
      ] as const) {
        const seen: string[] = [];
        let page = await audit.search(criteria, { limit: 3 });
        while (page.length > 0) {
          expect(page.length).toBeLessThanOrEqual(3);
          seen.push(...ids(page));
          const last = page.at(-1)!;
          page = await audit.search(criteria, { limit: 3, after: { at: last.at, id: last.id } });
        }
        expect(seen).toEqual(expected);
      }
      // An entry recorded while paging lands on the page it belongs to, never twice (newer: before the cursor).
      const firstPage = await audit.search({}, { limit: 3 });
      await record(5, { type: 'mail.sent' });
      const last = firstPage.at(-1)!;
      const rest = ids(await audit.search({}, { limit: 100, after: { at: last.at, id: last.id } }));
      expect([...ids(firstPage), ...rest]).toEqual(everything);
      expect(await audit.search({}, { limit: 3, after: { at: last.at, id: 'not an id' } })).toEqual([]);
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
