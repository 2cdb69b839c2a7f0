import type {
  NewSupportRequest,
  SupportRequest,
  SupportRequests,
} from '../../../src/support-requests/support-requests.ts';

// The contract of the support requests store, run unchanged against MongoDB and the in-memory store.

type Store = Pick<SupportRequests, 'open' | 'list' | 'find' | 'resolve'>;

const T0 = new Date('2026-12-01T10:00:00Z');
let count = 0;
const fields = (): NewSupportRequest => ({
  upstreamId: 'msa',
  issuer: 'https://login.example',
  subject: `subject-${(count += 1)}`,
  signInName: 'p***@example.net',
  replyTo: 'person@example.net',
  customer: 'Contoso (C-1001)',
  message: 'I do not know which address my company registered.',
  clientId: 'customersource',
  locale: 'en',
});

export function supportRequestsConformance(
  name: string,
  open: () => Promise<{ store: Store; close(): Promise<void> }>,
) {
  describe(`support requests conformance: ${name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await open());
    });
    afterAll(() => close());

    it('opens a request as it was given, open and unresolved, and finds it by its id; nothing for another id', async () => {
      const given = fields();
      const opened = await store.open(given, T0);
      expect(opened).toEqual({
        ...given,
        id: expect.any(String),
        createdAt: T0,
        status: 'open',
        resolvedAt: null,
        resolvedBy: null,
      });
      expect(await store.find(opened.id)).toEqual(opened);
      expect(await store.find('0123456789abcdef01234567')).toBeNull();
      expect(await store.find('not an id')).toBeNull();
    });

    it('lists by status, newest first, within the limit', async () => {
      const older = await store.open(fields(), new Date(T0.getTime() + 1_000));
      const newer = await store.open(fields(), new Date(T0.getTime() + 2_000));
      const open = await store.list('open', 2);
      expect(open.map((r: SupportRequest) => r.id)).toEqual([newer.id, older.id]);
    });

    it('resolves an open request once, naming who did it; a resolved one stays as it was resolved', async () => {
      const opened = await store.open(fields(), T0);
      await store.resolve(opened.id, new Date(T0.getTime() + 60_000), 'support-desk');
      await store.resolve(opened.id, new Date(T0.getTime() + 120_000), 'someone-else');
      expect(await store.find(opened.id)).toMatchObject({
        status: 'resolved',
        resolvedAt: new Date(T0.getTime() + 60_000),
        resolvedBy: 'support-desk',
      });
      expect((await store.list('resolved', 50)).map((r: SupportRequest) => r.id)).toContain(opened.id);
      expect((await store.list('open', 50)).map((r: SupportRequest) => r.id)).not.toContain(opened.id);
    });
  });
}
