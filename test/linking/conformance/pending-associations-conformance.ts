import { Types } from 'mongoose';
import { hashLinkToken, newLinkToken } from '../../../src/linking/link-token.ts';
import type { NewPendingAssociation, PendingAssociations } from '../../../src/linking/ports.ts';

// The contract of the pending associations store, as Dex's storage/conformance states its storage's: every
// implementation (MongoDB on FerretDB or a real MongoDB, the in-memory one the flow's unit tests use) runs it
// unchanged, so that a fake cannot drift from the store it stands in for.

const T0 = new Date('2026-12-01T10:00:00Z');
const later = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

let subjects = 0;
function request(overrides: Partial<NewPendingAssociation> = {}): NewPendingAssociation {
  subjects += 1;
  return {
    issuer: 'https://login.example',
    subject: `subject-${subjects}`,
    upstreamId: 'msa',
    signInName: 'p***@example.net',
    enteredEmail: 'office@contoso.example',
    contactIds: [new Types.ObjectId().toHexString()],
    expiresAt: later(3600),
    clientId: 'customersource',
    interactionUid: null,
    ...overrides,
  };
}

export function pendingAssociationsConformance(
  name: string,
  open: () => Promise<{ store: PendingAssociations; close(): Promise<void> }>,
) {
  describe(`pending associations conformance: ${name}`, () => {
    let store: PendingAssociations;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await open());
    });
    afterAll(() => close());

    it('finds a record by its link token (only the hash is stored) and by id; nothing for another token or id', async () => {
      const token = newLinkToken();
      const created = await store.create(request(), hashLinkToken(token), T0);
      expect(created).toMatchObject({
        status: 'pending',
        attempts: 0,
        confirmedAt: null,
        tokenHash: hashLinkToken(token),
      });
      expect(JSON.stringify(created)).not.toContain(token);
      expect((await store.findByToken(token))?.id).toBe(created.id);
      expect((await store.findById(created.id))?.subject).toBe(created.subject);
      expect(await store.findByToken(newLinkToken())).toBeNull();
      expect(await store.findById(new Types.ObjectId().toHexString())).toBeNull();
      expect(await store.findById('not an id')).toBeNull();
    });

    it('moves a record out of a state once: the second attempt, from the same state, does nothing', async () => {
      const created = await store.create(request(), hashLinkToken(newLinkToken()), T0);
      expect(await store.transition(created.id, 'pending', 'confirmed', later(60))).toBe(true);
      expect(await store.transition(created.id, 'pending', 'cancelled', later(61))).toBe(false);
      expect(await store.findById(created.id)).toMatchObject({
        status: 'confirmed',
        confirmedAt: later(60),
      });
    });

    it('lets exactly one of a concurrent confirm and cancel win, and the record says which', async () => {
      for (let round = 0; round < 5; round += 1) {
        const created = await store.create(request(), hashLinkToken(newLinkToken()), T0);
        const results = await Promise.all([
          store.transition(created.id, 'pending', 'confirmed', later(1)),
          store.transition(created.id, 'pending', 'cancelled', later(1)),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
        const stored = await store.findById(created.id);
        expect(stored?.status).toBe(results[0] ? 'confirmed' : 'cancelled');
      }
    });

    it('refuses a move the state machine forbids, and one from a state the record is not in', async () => {
      const created = await store.create(request(), hashLinkToken(newLinkToken()), T0);
      await expect(store.transition(created.id, 'cancelled', 'confirmed', later(1))).rejects.toThrow();
      expect(await store.transition(created.id, 'confirmed', 'disowned', later(1))).toBe(false);
      expect(await store.transition(new Types.ObjectId().toHexString(), 'pending', 'confirmed', later(1))).toBe(false);
      expect((await store.findById(created.id))?.status).toBe('pending');
    });

    it("lists an identity's pending records oldest first, and names its newest whatever its state", async () => {
      const mine = request();
      const newer = await store.create({ ...mine }, hashLinkToken(newLinkToken()), later(20));
      const older = await store.create({ ...mine }, hashLinkToken(newLinkToken()), later(10));
      const done = await store.create({ ...mine }, hashLinkToken(newLinkToken()), later(30));
      await store.transition(done.id, 'pending', 'superseded', later(31));
      await store.create(request(), hashLinkToken(newLinkToken()), later(40));
      const pending = await store.pendingOf(mine.issuer, mine.subject);
      expect(pending.map((r) => r.id)).toEqual([older.id, newer.id]);
      expect((await store.newestOf(mine.issuer, mine.subject))?.id).toBe(done.id);
      expect(await store.newestOf(mine.issuer, 'nobody')).toBeNull();
    });

    it('keeps a record past its expiry: expiry is judged when it is loaded, never by deleting it', async () => {
      const token = newLinkToken();
      const created = await store.create(request({ expiresAt: later(-1) }), hashLinkToken(token), T0);
      expect((await store.findByToken(token))?.expiresAt).toEqual(later(-1));
      expect((await store.pendingOf(created.issuer, created.subject)).map((r) => r.status)).toEqual(['pending']);
    });

    it('counts confirmation attempts', async () => {
      const created = await store.create(request(), hashLinkToken(newLinkToken()), T0);
      await store.countAttempt(created.id);
      await store.countAttempt(created.id);
      expect((await store.findById(created.id))?.attempts).toBe(2);
    });
  });
}
