import { Types } from 'mongoose';
import type { PeopleStorage } from '../../../src/accounts/people-storage.ts';
import type { NewMembership } from '../../../src/linking/ports.ts';

// The contract of what a confirmed association writes and reads (people, sign-ins, memberships), run unchanged
// against the people store on MongoDB and the in-memory one the association flow's unit tests use.

export interface PeopleHarness {
  people: PeopleStorage;
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

/** An active account with one active contact per address; the contacts' ids in the order given. */
export async function addAccount(people: PeopleStorage, name: string, addresses: string[]): Promise<string[]> {
  const account = await people.createAccount({
    customerNumber: `C-${(count += 1)}`,
    name,
    plans: [],
    status: 'active',
  });
  if (account === 'duplicate') throw new Error('customer numbers are unique within a test run');
  const ids: string[] = [];
  for (const email of addresses) {
    const contact = await people.addContact(account.id, { email });
    if (contact === 'duplicate') throw new Error('addresses are unique within an account');
    ids.push(contact.id);
  }
  return ids;
}

export function membershipsConformance(name: string, open: () => Promise<PeopleHarness>) {
  describe(`memberships conformance: ${name}`, () => {
    let harness: PeopleHarness;
    let people: PeopleStorage;
    const address = () => `office-${(count += 1)}@example.com`;
    beforeAll(async () => {
      harness = await open();
      people = harness.people;
    });
    afterAll(() => harness.close());

    it('links a new sign-in as a new person, member of the account; a repeated confirmation writes nothing more', async () => {
      const [contact] = await addAccount(people, 'Contoso', [address()]);
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
      const [contact] = await addAccount(people, 'Fabrikam', [address()]);
      const first = await people.link(confirmation([contact!]), NOW);
      const second = await people.link(confirmation([contact!]), NOW);
      expect(second).toMatchObject({ kind: 'linked', identityAdded: true });
      expect(second.personId).toBe(first.personId);
      expect((await people.identitiesOf(first.personId!)).map((i) => i.subject)).toHaveLength(2);
    });

    it('keeps one sign-in (issuer, subject) to one person, also when two confirmations of it race', async () => {
      const [a] = await addAccount(people, 'Race A', [address()]);
      const [b] = await addAccount(people, 'Race B', [address()]);
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
      const [contact] = await addAccount(people, 'Taken', [address()]);
      const owner = await people.link(confirmation([contact!]), NOW);
      const [other] = await addAccount(people, 'Elsewhere', [address()]);
      const stranger = await people.link(confirmation([other!]), NOW);
      const outcome = await people.link(
        { ...confirmation([contact!]), subject: (await people.identitiesOf(stranger.personId!))[0]!.subject },
        NOW,
      );
      expect(outcome).toMatchObject({ kind: 'taken', personId: null, accountIds: [] });
      const [joinable] = await people.contactsByIds([contact!]);
      expect(joinable?.member?.personId).toBe(owner.personId);
    });

    it('keeps one membership per person and account: confirming another contact of the same account adds none', async () => {
      const [first, second] = await addAccount(people, 'One membership', [address(), address()]);
      const kept = confirmation([first!]);
      const linked = await people.link(kept, NOW);
      const again = await people.link({ ...confirmation([second!]), subject: kept.subject }, NOW);
      expect(again).toMatchObject({ kind: 'already-linked', personId: linked.personId, accountIds: linked.accountIds });
      expect(await people.membershipsOf(linked.personId!)).toHaveLength(1);
      const [, secondContact] = await people.contactsByIds([first!, second!]);
      expect(secondContact?.member).toBeNull();
    });

    it('offers only active contacts of active accounts to join, whatever the case of the address typed', async () => {
      const typed = address();
      const [active] = await addAccount(people, 'Active', [typed]);
      const [disabledContact] = await addAccount(people, 'Disabled contact', [typed]);
      const [onDisabledAccount] = await addAccount(people, 'Disabled account', [typed]);
      await people.changeContact(disabledContact!, { status: 'disabled' });
      const account = (await people.contactsByIds([onDisabledAccount!]))[0]!.account;
      await people.changeAccount(account.id, { status: 'disabled' });
      const found = await people.joinableContacts(`  ${typed.toUpperCase()} `);
      expect(found.map((c) => c.contact.id)).toEqual([active]);
      expect(
        (await people.contactsByIds([active!, disabledContact!, onDisabledAccount!])).map((c) => c.contact.id),
      ).toEqual([active]);
    });

    it('undoes exactly what one association wrote', async () => {
      const [first, second] = await addAccount(people, 'Two contacts', [address(), address()]);
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
      const [onA] = await addAccount(people, 'Shared A', [shared]);
      await addAccount(people, 'Shared B', [shared]);
      const linked = await people.link(confirmation([onA!]), NOW);
      const found = await people.joinableContacts(shared);
      expect(found.map((c) => c.account.name).sort()).toEqual(['Shared A', 'Shared B']);
      expect(found.find((c) => c.account.name === 'Shared A')?.member?.personId).toBe(linked.personId);
      expect(found.find((c) => c.account.name === 'Shared B')?.member).toBeNull();
      expect(await people.joinableContacts('nobody@example.com')).toEqual([]);
    });
  });
}
