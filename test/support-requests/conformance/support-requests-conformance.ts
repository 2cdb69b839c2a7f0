import type {
  NewSupportRequest,
  SupportRequest,
  SupportRequestSearch,
  SupportRequestStore,
} from '../../../src/support-requests/support-requests.ts';

// The contract of the support requests store, run unchanged against MongoDB and the in-memory store.

const T0 = new Date('2026-12-01T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
let count = 0;
const fields = (changes: Partial<NewSupportRequest> = {}): NewSupportRequest => ({
  upstreamId: 'msa',
  issuer: 'https://login.example',
  subject: `subject-${(count += 1)}`,
  signInName: 'p***@example.net',
  replyTo: 'person@example.net',
  customer: 'Contoso (C-1001)',
  message: 'I do not know which address my company registered.',
  clientId: 'customersource',
  locale: 'en',
  ...changes,
});

const ids = (requests: readonly SupportRequest[]) => requests.map((r) => r.id);

export function supportRequestsConformance(
  name: string,
  open: () => Promise<{ store: SupportRequestStore; close(): Promise<void> }>,
) {
  describe(`support requests conformance: ${name}`, () => {
    let store: SupportRequestStore;
    let close: () => Promise<void>;
    // A store of its own for each test: searches are asserted over everything the store holds.
    beforeEach(async () => {
      ({ store, close } = await open());
    });
    afterEach(() => close());

    const search = (criteria: SupportRequestSearch, limit = 50) => store.search(criteria, { limit });
    const opened = async (minutes: number, changes: Partial<NewSupportRequest> = {}) =>
      (await store.open(fields(changes), at(minutes))).id;

    it('opens a request as it was given, open and unresolved, and finds it by its id; nothing for another id', async () => {
      const given = fields();
      const request = await store.open(given, T0);
      expect(request).toEqual({
        ...given,
        id: expect.any(String),
        createdAt: T0,
        status: 'open',
        resolvedAt: null,
        resolvedBy: null,
      });
      expect(await store.find(request.id)).toEqual(request);
      expect(await store.find('0123456789abcdef01234567')).toBeNull();
      expect(await store.find('not an id')).toBeNull();
    });

    it('lists newest first, the same instant by id, within the limit; by status, or of any status', async () => {
      const older = await opened(1);
      const newer = await opened(2);
      const sameInstant = [await opened(3), await opened(3)];
      const resolved = await opened(4);
      await store.resolve(resolved, at(5), 'support-desk');
      const byId = [...sameInstant].sort().reverse();
      expect(ids(await search({ status: 'open' }, 3))).toEqual([...byId, newer]);
      expect(ids(await search({ status: 'open' }))).toEqual([...byId, newer, older]);
      expect(ids(await search({ status: 'resolved' }))).toEqual([resolved]);
      expect(ids(await search({}))).toEqual([resolved, ...byId, newer, older]);
    });

    it('resolves an open request once, naming who did it; a resolved one stays as it was resolved', async () => {
      const request = await store.open(fields(), T0);
      await store.resolve(request.id, at(1), 'support-desk');
      await store.resolve(request.id, at(2), 'someone-else');
      expect(await store.find(request.id)).toMatchObject({
        status: 'resolved',
        resolvedAt: at(1),
        resolvedBy: 'support-desk',
      });
      expect(ids(await search({ status: 'resolved' }))).toContain(request.id);
      expect(ids(await search({ status: 'open' }))).not.toContain(request.id);
    });

    it('finds the requests of any of some sign-ins (issuer and subject); an empty list finds nothing', async () => {
      const mine = await opened(1, { issuer: 'https://a.example', subject: 's-1' });
      const second = await opened(2, { issuer: 'https://b.example', subject: 's-2' });
      // The same subject at another issuer is someone else.
      await opened(3, { issuer: 'https://b.example', subject: 's-1' });
      await opened(4, { issuer: 'https://a.example', subject: 's-3' });
      const signIns = [
        { issuer: 'https://a.example', subject: 's-1' },
        { issuer: 'https://b.example', subject: 's-2' },
      ];
      expect(ids(await search({ signIns }))).toEqual([second, mine]);
      expect(ids(await search({ signIns: signIns.slice(0, 1) }))).toEqual([mine]);
      expect(await search({ signIns: [] })).toEqual([]);
    });

    it('finds the requests created from `createdFrom` (included) to `createdTo` (excluded)', async () => {
      const before = await opened(0);
      const atFrom = await opened(10);
      const inside = await opened(15);
      const atTo = await opened(20);
      expect(ids(await search({ createdFrom: at(10), createdTo: at(20) }))).toEqual([inside, atFrom]);
      expect(ids(await search({ createdFrom: at(20) }))).toEqual([atTo]);
      expect(ids(await search({ createdTo: at(10) }))).toEqual([before]);
    });

    it('finds text in any case in the message, customer, reply address or sign-in name, taken literally', async () => {
      const inMessage = await opened(1, { message: 'My Address changed after the merger.' });
      const inCustomer = await opened(2, { customer: 'Tailspin Toys (C-4004)' });
      const inReplyTo = await opened(3, { replyTo: 'Alice.Work@Tailspin.example' });
      const inSignInName = await opened(4, { signInName: 'a***@tailspin.example' });
      // Where the text is not looked for: the subject, the portal, the issuer.
      await opened(5, { subject: 'tailspin-subject', clientId: 'tailspin-portal', issuer: 'https://tailspin.example' });
      expect(ids(await search({ text: 'TAILSPIN' }))).toEqual([inSignInName, inReplyTo, inCustomer]);
      expect(ids(await search({ text: 'address CHANGED' }))).toEqual([inMessage]);
      expect(ids(await search({ text: '(C-4004)' }))).toEqual([inCustomer]);
      // Pattern characters are characters: `.` is a dot, and `*` a star (a masked address holds one).
      expect(ids(await search({ text: 'alice.work@' }))).toEqual([inReplyTo]);
      expect(ids(await search({ text: 'alice work' }))).toEqual([]);
      expect(ids(await search({ text: 'a***@tailspin' }))).toEqual([inSignInName]);
      expect(await search({ text: 'a.*tailspin' })).toEqual([]);
      expect(await search({ text: '[' })).toEqual([]);
    });

    it('combines status, sign-ins, a time window and text: only requests meeting every one', async () => {
      const signIn = { issuer: 'https://a.example', subject: 's-1' };
      const match = { ...signIn, message: 'Locked out of the portal' };
      const hit = await opened(10, match);
      await opened(11, { ...match, message: 'Something else' });
      await opened(12, { ...match, subject: 's-2' });
      await opened(25, match);
      const resolved = await opened(13, match);
      await store.resolve(resolved, at(14), 'support-desk');
      const criteria: SupportRequestSearch = {
        status: 'open',
        signIns: [signIn],
        createdFrom: at(10),
        createdTo: at(20),
        text: 'locked',
      };
      expect(ids(await search(criteria))).toEqual([hit]);
      expect(ids(await search({ ...criteria, status: undefined }))).toEqual([resolved, hit]);
    });

    it('pages after the last request of a page: every request once, in order, also among many at the same instant', async () => {
      const minutes = [1, 2, 2, 2, 2, 2, 2, 2, 3, 0, 4];
      const all: string[] = [];
      for (const [i, m] of minutes.entries()) all.push(await opened(m, { message: i === 9 ? 'other' : 'paged' }));
      const everything = ids(await search({}, 100));
      expect(everything).toHaveLength(11);
      for (const [criteria, expected] of [
        [{}, everything],
        [{ text: 'paged' }, everything.filter((id) => id !== all[9])],
      ] as const) {
        const seen: string[] = [];
        let page = await store.search(criteria, { limit: 3 });
        while (page.length > 0) {
          expect(page.length).toBeLessThanOrEqual(3);
          seen.push(...ids(page));
          const last = page.at(-1)!;
          page = await store.search(criteria, { limit: 3, after: { at: last.createdAt, id: last.id } });
        }
        expect(seen).toEqual(expected);
      }
      const first = await store.search({}, { limit: 3 });
      const last = first.at(-1)!;
      expect(await store.search({}, { limit: 3, after: { at: last.createdAt, id: 'not an id' } })).toEqual([]);
    });
  });
}
