import type { NewAccount, PeopleStorage } from '../../../src/accounts/people-storage.ts';
import type { NewMembership } from '../../../src/accounts/people.ts';

// The contract of the people store's support and admin operations (accounts and contacts created and changed, the
// searches and views support reads, removals), run unchanged against MongoDB and the in-memory store. What a
// confirmed association writes is test/linking/conformance/memberships-conformance.ts.

export interface PeopleSupportHarness {
  people: PeopleStorage;
  close(): Promise<void>;
}

const T0 = new Date('2026-12-01T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const NO_SUCH_ID = '0123456789abcdef01234567';
const PLAN = { type: 'support', expiresAt: new Date('2027-12-31T00:00:00Z') };

let count = 0;
const unique = () => (count += 1);
const newAccount = (fields: Partial<NewAccount> = {}): NewAccount => ({
  customerNumber: `S-${String(unique()).padStart(4, '0')}`,
  name: `Account ${count}`,
  plans: [],
  status: 'active',
  ...fields,
});
const association = () => (unique() + 0xa000).toString(16).padStart(24, '0');

function confirmation(contactIds: string[], subject = `subject-${unique()}`): NewMembership {
  return {
    upstreamId: 'msa',
    issuer: 'https://login.example',
    subject,
    signInName: 'p***@example.net',
    contactIds,
    associationId: association(),
  };
}

const sortedIds = (records: readonly { id: string }[]) => records.map((r) => r.id).sort();

export function peopleSupportConformance(name: string, open: () => Promise<PeopleSupportHarness>) {
  describe(`people store conformance, support and admin: ${name}`, () => {
    let harness: PeopleSupportHarness;
    let people: PeopleStorage;
    beforeAll(async () => {
      harness = await open();
      people = harness.people;
    });
    afterAll(() => harness.close());

    async function created(fields: Partial<NewAccount> = {}) {
      const account = await people.createAccount(newAccount(fields));
      if (account === 'duplicate') throw new Error('customer numbers are unique within a test run');
      return account;
    }
    async function contact(accountId: string, email: string, name?: string) {
      const added = await people.addContact(accountId, { email, ...(name ? { name } : {}) });
      if (added === 'duplicate') throw new Error(`${email} is on the account already`);
      return added;
    }

    it('creates an account as given and finds it by id; one account per customer number, also when two race', async () => {
      const input = newAccount({ name: 'Contoso', plans: [PLAN] });
      const account = await people.createAccount(input);
      expect(account).toEqual({ ...input, id: expect.stringMatching(/^[0-9a-f]{24}$/) });
      if (account === 'duplicate') return;
      expect(await people.findAccount(account.id)).toEqual(account);
      expect(await people.createAccount({ ...newAccount(), customerNumber: input.customerNumber })).toBe('duplicate');

      const racing = newAccount();
      const outcomes = await Promise.all([people.createAccount(racing), people.createAccount(racing)]);
      expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(1);
    });

    it('finds no account for an unknown id or for text that is no id', async () => {
      expect(await people.findAccount(NO_SUCH_ID)).toBeNull();
      expect(await people.findAccount('not an id')).toBeNull();
      expect(await people.findAccount('')).toBeNull();
    });

    it('changes only the fields a patch names and tells what it was; nothing for an unknown id', async () => {
      const account = await created({ name: 'Before', plans: [PLAN] });
      const changed = await people.changeAccount(account.id, { name: 'After', status: 'disabled' });
      expect(changed).toEqual({ before: account, after: { ...account, name: 'After', status: 'disabled' } });
      expect(await people.findAccount(account.id)).toEqual(changed?.after);
      const plans = [{ type: 'enhancement', expiresAt: new Date('2028-01-01T00:00:00Z') }];
      expect((await people.changeAccount(account.id, { plans }))?.after.plans).toEqual(plans);
      expect(await people.changeAccount(NO_SUCH_ID, { name: 'x' })).toBeNull();
      expect(await people.changeAccount('not an id', { name: 'x' })).toBeNull();
    });

    it('adds a contact with its address normalised, active; one contact per account and address', async () => {
      const account = await created();
      const other = await created();
      const added = await people.addContact(account.id, { email: ' Ada@Example.COM ', name: 'Ada' });
      expect(added).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        accountId: account.id,
        email: 'ada@example.com',
        name: 'Ada',
        status: 'active',
      });
      expect(await people.addContact(account.id, { email: 'ADA@example.com' })).toBe('duplicate');
      // The customer database may register one address on several accounts.
      expect(await people.addContact(other.id, { email: 'ada@example.com' })).toMatchObject({ name: null });
    });

    it("changes a contact's named fields, its address normalised; 'duplicate' for another contact's address", async () => {
      const account = await created();
      const ada = await contact(account.id, `ada-${unique()}@example.com`, 'Ada');
      const bob = await contact(account.id, `bob-${unique()}@example.com`);
      const changed = await people.changeContact(ada.id, { email: ' NEW-ADA@example.com', status: 'disabled' });
      expect(changed).toEqual({
        before: ada,
        after: { ...ada, email: 'new-ada@example.com', status: 'disabled' },
      });
      expect(await people.changeContact(bob.id, { email: 'New-Ada@Example.com' })).toBe('duplicate');
      expect(await people.changeContact(bob.id, { name: 'Bob' })).toEqual({
        before: bob,
        after: { ...bob, name: 'Bob' },
      });
      expect(await people.changeContact(NO_SUCH_ID, { name: 'x' })).toBeNull();
      expect(await people.changeContact('not an id', { name: 'x' })).toBeNull();
    });

    it('searches accounts by customer number, by name (any case, taken literally) or by a contact address, in number order', async () => {
      const tag = `q${unique()}`;
      const b = await created({ customerNumber: `${tag}-B`, name: `Fabrikam ${tag} (Europe)` });
      const a = await created({ customerNumber: `${tag}-A`, name: `Contoso ${tag.toUpperCase()}` });
      const c = await created({ customerNumber: `${tag}-C`, name: 'Northwind' });
      await contact(c.id, `office@${tag}.example`);
      await created({ customerNumber: `${tag}-D`, name: 'Unrelated' });

      expect(await people.searchAccounts(`${tag}-C`, 10)).toEqual([c]);
      // A customer number is found whole, not by its beginning.
      expect(await people.searchAccounts(`${tag}-`, 10)).toEqual([]);
      expect(await people.searchAccounts(tag, 10)).toEqual([a, b]);
      expect(await people.searchAccounts(tag, 1)).toEqual([a]);
      expect(await people.searchAccounts(`${tag} (europe)`, 10)).toEqual([b]);
      expect(await people.searchAccounts('.*', 10)).toEqual([]);
      expect(await people.searchAccounts(`Office@${tag.toUpperCase()}.example`, 10)).toEqual([c]);
      expect(await people.searchAccounts(`nobody@${tag}.example`, 10)).toEqual([]);
    });

    it('shows an account with its contacts by address, its memberships oldest first and its members’ sign-ins', async () => {
      const account = await created();
      const zed = await contact(account.id, `zed-${unique()}@example.com`);
      const amy = await contact(account.id, `amy-${unique()}@example.com`);
      const later = await people.link(confirmation([zed.id]), at(10));
      const earlier = await people.link(confirmation([amy.id]), at(5));
      const view = await people.accountWithPeople(account.id);
      expect(view?.account).toEqual(account);
      expect(view?.contacts.map((c) => c.id)).toEqual([amy.id, zed.id]);
      expect(view?.memberships.map((m) => m.personId)).toEqual([earlier.personId, later.personId]);
      expect(view?.memberships.map((m) => m.contactId)).toEqual([amy.id, zed.id]);
      expect(view?.identities.map((i) => i.personId)).toEqual([earlier.personId, later.personId]);
      expect(await people.accountWithPeople(NO_SUCH_ID)).toBeNull();
      expect(await people.accountWithPeople('not an id')).toBeNull();
    });

    it('shows a person with their sign-ins, memberships, and the accounts and contacts those name', async () => {
      const first = await created();
      const second = await created();
      const onFirst = await contact(first.id, `person-${unique()}@example.com`);
      const onSecond = await contact(second.id, onFirst.email);
      const request = confirmation([onFirst.id, onSecond.id]);
      const linked = await people.link(request, at(1));
      await people.link({ ...confirmation([onFirst.id]), subject: `second-${unique()}` }, at(2));
      const view = await people.personWithAccounts(linked.personId!);
      expect(view?.person).toEqual({ id: linked.personId, createdAt: at(1) });
      expect(view?.identities.map((i) => i.linkedAt)).toEqual([at(1), at(2)]);
      expect(view?.identities[0]).toMatchObject({ subject: request.subject, associationId: request.associationId });
      expect(sortedIds(view?.accounts ?? [])).toEqual(sortedIds([first, second]));
      expect(sortedIds(view?.contacts ?? [])).toEqual(sortedIds([onFirst, onSecond]));
      expect(view?.memberships.map((m) => m.contactId).sort()).toEqual(sortedIds([onFirst, onSecond]));
      expect(await people.personWithAccounts(NO_SUCH_ID)).toBeNull();
      expect(await people.personWithAccounts('not an id')).toBeNull();
    });

    it("counts a membership while its contact is active, whatever the account's status", async () => {
      const account = await created();
      const office = await contact(account.id, `office-${unique()}@example.com`);
      const { personId } = await people.link(confirmation([office.id]), at(1));
      await people.changeAccount(account.id, { status: 'disabled' });
      const [membership] = await people.membershipsOf(personId!);
      expect(membership).toMatchObject({ account: { id: account.id, status: 'disabled' }, contact: office });
      await people.changeContact(office.id, { status: 'disabled' });
      expect(await people.membershipsOf(personId!)).toEqual([]);
      expect(await people.membershipsOf('not an id')).toEqual([]);
    });

    it('finds a sign-in by issuer and subject and records its sign-ins', async () => {
      const account = await created();
      const office = await contact(account.id, `office-${unique()}@example.com`);
      const request = confirmation([office.id]);
      await people.link(request, at(1));
      const identity = (await people.findIdentity(request.issuer, request.subject))!;
      expect(identity).toMatchObject({ subject: request.subject, lastLoginAt: null, authenticatedAt: at(1) });
      await people.recordLogin(identity.id, at(30));
      expect(await people.findIdentity(request.issuer, request.subject)).toEqual({ ...identity, lastLoginAt: at(30) });
      await people.recordLogin(identity.id, at(40), at(39));
      expect(await people.findIdentity(request.issuer, request.subject)).toMatchObject({
        lastLoginAt: at(40),
        authenticatedAt: at(39),
      });
      expect(await people.findIdentity('https://other.example', request.subject)).toBeNull();
    });

    it('removes a membership and a sign-in by id once, answering what was removed; nothing for another id', async () => {
      const account = await created();
      const office = await contact(account.id, `office-${unique()}@example.com`);
      const request = confirmation([office.id]);
      const { personId } = await people.link(request, at(1));
      const { membership } = (await people.membershipsOf(personId!))[0]!;
      const [identity] = await people.identitiesOf(personId!);

      expect(await people.removeMembership('not an id')).toBeNull();
      expect(await people.removeMembership(NO_SUCH_ID)).toBeNull();
      expect(await people.removeMembership(membership.id)).toMatchObject({ id: membership.id, personId });
      expect(await people.removeMembership(membership.id)).toBeNull();
      expect(await people.membershipsOf(personId!)).toEqual([]);

      expect(await people.removeIdentity('not an id')).toBeNull();
      expect(await people.removeIdentity(identity!.id)).toEqual(identity);
      expect(await people.removeIdentity(identity!.id)).toBeNull();
      expect(await people.findIdentity(request.issuer, request.subject)).toBeNull();
    });
  });
}
