import { Types } from 'mongoose';
import type { ContactDirectory, MembershipStore, NewMembership } from '../../../src/linking/ports.ts';

// The contract of what a confirmed association writes and reads (people, sign-ins, memberships), run unchanged
// against the people directory on MongoDB and the in-memory fake the association flow's unit tests use.

export interface MembershipHarness {
  people: MembershipStore & ContactDirectory;
  /** An active account with one active contact per address; the contacts' ids in the order given. */
  addAccount(name: string, addresses: string[]): Promise<string[]>;
  close(): Promise<void>;
}

const NOW = new Date('2026-12-01T10:00:00Z');
let count = 0;

function confirmation(contactIds: string[], subject = `subject-${(count += 1)}`): NewMembership {
  return {
    upstreamId: 'msa',
    issuer: 'https://login.example',
    subject,
    signInName: 'p***@example.net',
    contactIds,
    associationId: new Types.ObjectId().toHexString(),
    authenticatedAt: NOW,
  };
}

export function membershipsConformance(name: string, open: () => Promise<MembershipHarness>) {
  describe(`memberships conformance: ${name}`, () => {
    let harness: MembershipHarness;
    let people: MembershipStore & ContactDirectory;
    const address = () => `office-${(count += 1)}@example.com`;
    beforeAll(async () => {
      harness = await open();
      people = harness.people;
    });
    afterAll(() => harness.close());

    it('links a new sign-in as a new person, member of the account; a repeated confirmation writes nothing more', async () => {
      const [contact] = await harness.addAccount('Contoso', [address()]);
      const request = confirmation([contact!]);
      const first = await people.link(request, NOW);
      expect(first).toMatchObject({ kind: 'linked', identityAdded: false });
      expect(first.accountIds).toHaveLength(1);
      const again = await people.link(request, NOW);
      expect(again).toMatchObject({ kind: 'already-linked', identityAdded: false });
      expect(again.personId).toBe(first.personId);
      expect(await people.identitiesOf(first.personId!)).toHaveLength(1);
      const [joinable] = await people.contactsByIds([contact!]);
      expect(joinable?.member?.personId).toBe(first.personId);
    });

    it('gives a contact one person: another sign-in confirming it joins that person (a second sign-in of theirs)', async () => {
      const [contact] = await harness.addAccount('Fabrikam', [address()]);
      const first = await people.link(confirmation([contact!]), NOW);
      const second = await people.link(confirmation([contact!]), NOW);
      expect(second).toMatchObject({ kind: 'linked', identityAdded: true });
      expect(second.personId).toBe(first.personId);
      expect((await people.identitiesOf(first.personId!)).map((i) => i.subject)).toHaveLength(2);
    });

    it('keeps one sign-in (issuer, subject) to one person, also when two confirmations of it race', async () => {
      const [a] = await harness.addAccount('Race A', [address()]);
      const [b] = await harness.addAccount('Race B', [address()]);
      const subject = `racer-${(count += 1)}`;
      const [one, two] = await Promise.all([
        people.link(confirmation([a!], subject), NOW),
        people.link(confirmation([b!], subject), NOW),
      ]);
      expect(one.personId).toBe(two.personId);
      const identities = await people.identitiesOf(one.personId!);
      expect(identities.filter((i) => i.subject === subject)).toHaveLength(1);
    });

    it('answers taken when every contact belongs to another person', async () => {
      const [contact] = await harness.addAccount('Taken', [address()]);
      const owner = await people.link(confirmation([contact!]), NOW);
      const [other] = await harness.addAccount('Elsewhere', [address()]);
      const stranger = await people.link(confirmation([other!]), NOW);
      const outcome = await people.link(
        { ...confirmation([contact!]), subject: (await people.identitiesOf(stranger.personId!))[0]!.subject },
        NOW,
      );
      expect(outcome).toMatchObject({ kind: 'taken', personId: null, accountIds: [] });
      const [joinable] = await people.contactsByIds([contact!]);
      expect(joinable?.member?.personId).toBe(owner.personId);
    });

    it('undoes exactly what one association wrote', async () => {
      const [first, second] = await harness.addAccount('Two contacts', [address(), address()]);
      const kept = confirmation([first!]);
      const linked = await people.link(kept, NOW);
      const added = { ...confirmation([second!]), subject: kept.subject };
      await people.link(added, NOW);
      await people.unlinkAssociation(added.associationId);
      const [firstContact, secondContact] = await people.contactsByIds([first!, second!]);
      expect(firstContact?.member?.personId).toBe(linked.personId);
      expect(secondContact?.member).toBeNull();
      await people.unlinkAssociation(kept.associationId);
      expect(await people.identitiesOf(linked.personId!)).toEqual([]);
    });

    it('finds the contacts of an address on every account, each with its member or none', async () => {
      const shared = address();
      const [onA] = await harness.addAccount('Shared A', [shared]);
      await harness.addAccount('Shared B', [shared]);
      const linked = await people.link(confirmation([onA!]), NOW);
      const found = await people.joinableContacts(shared);
      expect(found.map((c) => c.account.name).sort()).toEqual(['Shared A', 'Shared B']);
      expect(found.find((c) => c.account.name === 'Shared A')?.member?.personId).toBe(linked.personId);
      expect(found.find((c) => c.account.name === 'Shared B')?.member).toBeNull();
      expect(await people.joinableContacts('nobody@example.com')).toEqual([]);
    });
  });
}
