import { AuditLog } from '../../src/audit/audit-log.ts';
import type { AuditEvent } from '../../src/audit/audit-store.ts';
import { SupportRequests, type NewSupportRequest } from '../../src/support-requests/support-requests.ts';
import { silentLogger } from '../support/stores.ts';
import { demoUser, startStack, type Stack } from '../support/stack.ts';
import { ADMIN_CLIENT, ADMIN_CONFIG, SUPPORT_CLIENT, accessToken, adminApi } from './support/admin-client.ts';

const bob = demoUser('bob');

// Records from a known past, written through the stores the broker uses: many at one instant, which paging must
// cut through without repeating or skipping one.
const T0 = new Date('2026-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const WINDOW = `from=${at(0).toISOString()}&to=${at(60).toISOString()}`;

const ids = (items: Array<{ id: string }>) => items.map((i) => i.id);

describe('the admin API finds and pages audit entries and support requests', () => {
  let stack: Stack;
  let support: string;
  let admin: string;
  /** Bob's account; seedLinkedAccount gives his person the same id. */
  let bobs: string;
  let otherAccount: string;

  beforeAll(async () => {
    stack = await startStack({ admin: ADMIN_CONFIG });
    [support, admin] = await Promise.all([accessToken(stack, SUPPORT_CLIENT), accessToken(stack, ADMIN_CLIENT)]);
    bobs = await stack.seedLinkedAccount(bob, { email: 'bob@bobs.example' });
    otherAccount = await stack.seedAccount({ name: 'Other', email: 'it@other.example', customerNumber: 'C-7007' });
  });
  afterAll(() => stack.close());

  const get = (path: string, token = support) => adminApi(stack, token, 'GET', path);

  /** Every page of `path` (which has no cursor yet) with `limit`, following `next`; checks no page is too long. */
  async function allPages(path: string, key: 'events' | 'supportRequests', limit: number) {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await get(`${path}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      const items = page.body[key] as Array<{ id: string }>;
      expect(items.length).toBeLessThanOrEqual(limit);
      seen.push(...ids(items));
      cursor = page.body.next as string | null;
      pages += 1;
    } while (cursor !== null && pages < 50);
    return { seen, pages };
  }

  describe('GET /audit', () => {
    const recorded: Record<string, string> = {};

    beforeAll(async () => {
      const clock = { now: T0 };
      const audit = new AuditLog(stack.db, silentLogger, { now: () => clock.now });
      const record = async (name: string, minutes: number, event: AuditEvent) => {
        clock.now = at(minutes);
        await audit.record(event);
        const [entry] = await audit.recent({}, 1);
        recorded[name] = entry!.id;
      };
      // Five changes by the CRM at one instant.
      for (const n of [1, 2, 3, 4, 5]) {
        await record(`added${n}`, 1, { type: 'admin.contact-added', actor: ADMIN_CLIENT.clientId, accountId: bobs });
      }
      // As admin changes were stored before actor and personId were fields.
      await record('legacy', 2, {
        type: 'admin.identity-removed',
        upstreamId: 'demo',
        subject: 'bobs-lost-phone',
        detail: { actor: 'staff:carol-0003', role: 'admin', personId: bobs },
      });
      await record('bobsOwn', 3, {
        type: 'association.requested',
        actor: bobs,
        upstreamId: 'demo',
        subject: bob.sub,
      });
      await record('sent', 4, { type: 'mail.sent', actor: null, accountId: otherAccount });
      await record('resolved', 5, { type: 'admin.support-request-resolved', actor: SUPPORT_CLIENT.clientId });
    });

    it('names the actor and the person as fields of each entry, also of one that named them in its detail only', async () => {
      const { body } = await get(`/audit?${WINDOW}&type=admin.identity-removed`);
      expect(body.events).toEqual([
        expect.objectContaining({ id: recorded.legacy, actor: 'staff:carol-0003', personId: bobs }),
      ]);
      // A change made through the API now: its actor is a field.
      expect((await adminApi(stack, admin, 'PATCH', `/accounts/${otherAccount}`, { name: 'Other Ltd' })).status).toBe(
        200,
      );
      const changed = await get(`/audit?accountId=${otherAccount}&type=admin.account-changed`);
      expect(changed.body.events).toEqual([
        expect.objectContaining({ actor: ADMIN_CLIENT.clientId, accountId: otherAccount }),
      ]);
    });

    it('finds the entries of one actor: an admin client, a staff member (older entry), a person', async () => {
      const byActor = async (actor: string) =>
        ids((await get(`/audit?${WINDOW}&actor=${encodeURIComponent(actor)}`)).body.events);
      expect(await byActor(ADMIN_CLIENT.clientId)).toEqual(
        ['added5', 'added4', 'added3', 'added2', 'added1'].map((n) => recorded[n]),
      );
      expect(await byActor('staff:carol-0003')).toEqual([recorded.legacy]);
      expect(await byActor(bobs)).toEqual([recorded.bobsOwn]);
      expect(await byActor('nobody')).toEqual([]);
    });

    it('finds entries of several types (the parameter repeated), of one type, and refuses a type that is none', async () => {
      const several = await get(`/audit?${WINDOW}&type=mail.sent&type=admin.support-request-resolved`);
      expect(ids(several.body.events)).toEqual([recorded.resolved, recorded.sent]);
      const one = await get(`/audit?${WINDOW}&type=mail.sent`);
      expect(ids(one.body.events)).toEqual([recorded.sent]);
      const refused = await get(`/audit?type=mail.sent&type=no.such-type`);
      expect([refused.status, refused.body.error]).toEqual([400, 'ADMIN.INVALID_REQUEST']);
    });

    it("finds a person's entries (their sign-ins' and those naming them) and an account's", async () => {
      const person = await get(`/audit?${WINDOW}&personId=${bobs}`);
      expect(ids(person.body.events)).toEqual([recorded.bobsOwn, recorded.legacy]);
      const account = await get(`/audit?${WINDOW}&accountId=${bobs}&limit=2`);
      expect(ids(account.body.events)).toEqual([recorded.added5, recorded.added4]);
      expect((await get(`/audit?personId=not-an-id`)).body.events).toEqual([]);
    });

    it('finds the entries from `from` (included) to `to` (excluded), with `since` and `until` as older names', async () => {
      const window = `from=${at(2).toISOString()}&to=${at(4).toISOString()}`;
      expect(ids((await get(`/audit?${window}`)).body.events)).toEqual([recorded.bobsOwn, recorded.legacy]);
      const aliases = `since=${at(2).toISOString()}&until=${at(4).toISOString()}`;
      expect(ids((await get(`/audit?${aliases}`)).body.events)).toEqual([recorded.bobsOwn, recorded.legacy]);
      // An offset is a time too: 11:02 at +01:00 is 10:02 UTC.
      const offset = await get(
        `/audit?from=${encodeURIComponent('2026-03-01T11:02:00+01:00')}&to=${at(3).toISOString()}`,
      );
      expect(ids(offset.body.events)).toEqual([recorded.legacy]);
      expect((await get(`/audit?from=yesterday`)).status).toBe(400);
    });

    it('pages with the opaque `next`: every entry once, newest first, also among entries of one instant', async () => {
      const everything = ids((await get(`/audit?${WINDOW}&limit=100`)).body.events);
      expect(everything).toHaveLength(9);
      const { seen, pages } = await allPages(`/audit?${WINDOW}`, 'events', 2);
      expect(seen).toEqual(everything);
      expect(pages).toBe(5);
      // With a filter: the five changes of one instant, in pages of two.
      const filtered = await allPages(`/audit?${WINDOW}&type=admin.contact-added`, 'events', 2);
      expect(filtered.seen).toEqual(['added5', 'added4', 'added3', 'added2', 'added1'].map((n) => recorded[n]));
      expect(filtered.pages).toBe(3);
      const last = await get(`/audit?${WINDOW}&limit=100`);
      expect(last.body.next).toBeNull();
    });

    it('answers 400 ADMIN.INVALID_REQUEST to a cursor it did not hand out', async () => {
      const first = await get(`/audit?${WINDOW}&limit=2`);
      const next = first.body.next as string;
      const forged = Buffer.from(`${at(1).toISOString()}|not-an-id`).toString('base64url');
      for (const cursor of ['nonsense', `${next}x`, forged, next.slice(0, -2)]) {
        const refused = await get(`/audit?${WINDOW}&cursor=${encodeURIComponent(cursor)}`);
        expect([cursor, refused.status, refused.body.error]).toEqual([cursor, 400, 'ADMIN.INVALID_REQUEST']);
      }
    });
  });

  describe('GET /support-requests', () => {
    const opened: Record<string, string> = {};

    beforeAll(async () => {
      const requests = new SupportRequests(stack.db);
      const open = async (name: string, minutes: number, changes: Partial<NewSupportRequest> = {}) => {
        const request = await requests.open(
          {
            upstreamId: 'demo',
            issuer: stack.upstreamUrl,
            subject: `stranger-${name}`,
            signInName: 's***@example.net',
            replyTo: 'someone@example.net',
            customer: '',
            message: 'Please help.',
            clientId: 'customersource',
            locale: 'en',
            ...changes,
          },
          at(minutes),
        );
        opened[name] = request.id;
      };
      await open('bobs', 1, { subject: bob.sub, message: 'Locked out after the merger', customer: 'Bobs (C-9)' });
      // Bob's subject at another upstream is someone else.
      await open('notBobs', 2, { issuer: 'https://elsewhere.example', subject: bob.sub });
      for (const n of [1, 2, 3, 4]) await open(`same${n}`, 3, { message: 'Paging fodder' });
      await open('literal', 4, { customer: 'A.B Corp (C-1*)', replyTo: 'Dana.Work@AB.example' });
      await open('resolved', 5, { message: 'Tailspin order portal' });
      await requests.resolve(opened.resolved!, at(6), SUPPORT_CLIENT.clientId);
    });

    const window = `createdFrom=${at(0).toISOString()}&createdTo=${at(60).toISOString()}`;
    const found = async (query: string) =>
      ids((await get(`/support-requests?${window}&${query}`)).body.supportRequests);

    it('lists open requests unless asked for resolved ones or any; refuses a status that is none', async () => {
      const sameInstant = ['same4', 'same3', 'same2', 'same1'].map((n) => opened[n]);
      const open = [opened.literal, ...sameInstant, opened.notBobs, opened.bobs];
      expect(await found('')).toEqual(open);
      expect(await found('status=open')).toEqual(open);
      expect(await found('status=resolved')).toEqual([opened.resolved]);
      expect(await found('status=any')).toEqual([opened.resolved, ...open]);
      const refused = await get('/support-requests?status=closed');
      expect([refused.status, refused.body.error]).toEqual([400, 'ADMIN.INVALID_REQUEST']);
    });

    it("finds the requests of an account's members' sign-ins and of a person's; an unknown id finds none", async () => {
      expect(await found(`accountId=${bobs}`)).toEqual([opened.bobs]);
      expect(await found(`personId=${bobs}`)).toEqual([opened.bobs]);
      expect(await found(`accountId=${bobs}&personId=${bobs}`)).toEqual([opened.bobs]);
      expect(await found(`accountId=${otherAccount}`)).toEqual([]);
      expect(await found(`accountId=${otherAccount}&personId=${bobs}`)).toEqual([]);
      expect(await found('accountId=65f1c0ffee0000000000a001')).toEqual([]);
      expect(await found('personId=not-an-id')).toEqual([]);
    });

    it('finds the requests created from `createdFrom` (included) to `createdTo` (excluded)', async () => {
      const query = `createdFrom=${at(2).toISOString()}&createdTo=${at(4).toISOString()}`;
      const { body } = await get(`/support-requests?${query}`);
      expect(ids(body.supportRequests)).toEqual([
        ...['same4', 'same3', 'same2', 'same1'].map((n) => opened[n]),
        opened.notBobs,
      ]);
    });

    it('finds text in any case in the message, customer, reply address or sign-in name, taken literally', async () => {
      expect(await found('q=MERGER')).toEqual([opened.bobs]);
      expect(await found('q=bobs%20(c-9)')).toEqual([opened.bobs]);
      expect(await found('q=dana.work%40ab')).toEqual([opened.literal]);
      expect(await found(`q=${encodeURIComponent('(C-1*)')}`)).toEqual([opened.literal]);
      expect(await found(`q=${encodeURIComponent('A.*Corp')}`)).toEqual([]);
      expect(await found('q=tailspin&status=any')).toEqual([opened.resolved]);
      expect(await found('q=tailspin')).toEqual([]);
      expect((await get(`/support-requests?q=${'x'.repeat(201)}`)).status).toBe(400);
    });

    it('pages with the opaque `next`: every request once, also among requests of one instant; refuses a forged cursor', async () => {
      const everything = await found('status=any&limit=100');
      expect(everything).toHaveLength(8);
      const { seen, pages } = await allPages(`/support-requests?${window}&status=any`, 'supportRequests', 3);
      expect([seen, pages]).toEqual([everything, 3]);
      const filtered = await allPages(`/support-requests?${window}&q=fodder`, 'supportRequests', 3);
      expect(filtered.seen).toEqual(['same4', 'same3', 'same2', 'same1'].map((n) => opened[n]));
      expect(filtered.pages).toBe(2);
      const refused = await get(`/support-requests?cursor=${encodeURIComponent('not a cursor')}`);
      expect([refused.status, refused.body.error]).toEqual([400, 'ADMIN.INVALID_REQUEST']);
    });
  });
});
