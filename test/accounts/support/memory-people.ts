import { normalizeEmail } from '../../../src/accounts/email.ts';
import type {
  Account,
  Contact,
  Identity,
  JoinableContact,
  LinkOutcome,
  Membership,
  MembershipEntry,
  NewMembership,
  Person,
} from '../../../src/accounts/people.ts';
import type {
  AccountPatch,
  AccountWithPeople,
  Changed,
  ContactPatch,
  NewAccount,
  PeopleStorage,
  PersonWithAccounts,
  SignInSeen,
} from '../../../src/accounts/people-storage.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Stored<T> = Mutable<T> & { associationId: string | null };

let ids = 0;
/** Ids that look like the store's (24 hex digits), unique within the test run, in the order they were made. */
export const nextId = () => (ids += 1).toString(16).padStart(24, '0');

const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
const oldestFirst = (a: { linkedAt: Date; id: string }, b: { linkedAt: Date; id: string }) =>
  a.linkedAt.getTime() - b.linkedAt.getTime() || byId(a, b);
const copy = <T extends object>(record: T): T => ({ ...record });
/** Only the fields a patch names: an absent field is left as it is, never unset. */
const defined = <T extends object>(patch: T): Partial<T> =>
  Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * People, their sign-ins and memberships, and the accounts and contacts those name, in memory: the people store's
 * rules (one person per sign-in and per contact, one membership per person and account, one account per customer
 * number, one contact per account and address) held to the same conformance suites as MongoDB. The association
 * flow's unit tests use it as their membership store and contact directory.
 */
export class MemoryPeople implements PeopleStorage {
  readonly accounts: Mutable<Account>[] = [];
  readonly contacts: Mutable<Contact>[] = [];
  readonly people: Stored<Person>[] = [];
  readonly identities: Mutable<Identity>[] = [];
  readonly memberships: Mutable<MembershipEntry>[] = [];
  /** Runs before `link` writes anything: a test interleaves another request there. */
  beforeLink: () => Promise<void> = async () => undefined;

  /** An active account with one active contact per address, for tests that need one at hand. */
  addAccount(name: string, addresses: string[]): Account {
    const account = { id: nextId(), customerNumber: `C-${nextId()}`, name, plans: [], status: 'active' as const };
    this.accounts.push(account);
    for (const email of addresses)
      this.contacts.push({
        id: nextId(),
        accountId: account.id,
        email: normalizeEmail(email),
        name: null,
        status: 'active',
      });
    return account;
  }

  async findIdentity(issuer: string, subject: string): Promise<Identity | null> {
    const found = this.identities.find((i) => i.issuer === issuer && i.subject === subject);
    return found ? copy(found) : null;
  }

  async membershipsOf(personId: string): Promise<Membership[]> {
    return this.memberships
      .filter((m) => m.personId === personId)
      .sort(oldestFirst)
      .flatMap((membership) => {
        const account = this.accounts.find((a) => a.id === membership.accountId);
        const contact = this.contacts.find((c) => c.id === membership.contactId);
        return account && contact?.status === 'active'
          ? [{ membership: copy(membership), account: copy(account), contact: copy(contact) }]
          : [];
      });
  }

  async joinableContacts(address: string): Promise<JoinableContact[]> {
    const email = normalizeEmail(address);
    return this.#joinable(this.contacts.filter((c) => c.email === email));
  }

  async contactsByIds(contactIds: readonly string[]): Promise<JoinableContact[]> {
    return this.#joinable(this.contacts.filter((c) => contactIds.includes(c.id)));
  }

  #joinable(contacts: readonly Contact[]): JoinableContact[] {
    return [...contacts].sort(byId).flatMap((contact) => {
      const account = this.accounts.find((a) => a.id === contact.accountId);
      if (contact.status !== 'active' || account?.status !== 'active') return [];
      const member = this.memberships.find((m) => m.contactId === contact.id);
      return [{ contact: copy(contact), account: copy(account), member: member ? copy(member) : null }];
    });
  }

  async identitiesOf(personId: string): Promise<Identity[]> {
    return this.identities
      .filter((i) => i.personId === personId)
      .sort(oldestFirst)
      .map(copy);
  }

  async recordLogin(identityId: string, at: Date, authenticatedAt?: Date, seen: SignInSeen = {}): Promise<void> {
    const identity = this.identities.find((i) => i.id === identityId);
    if (!identity) return;
    identity.lastLoginAt = at;
    if (authenticatedAt) identity.authenticatedAt = authenticatedAt;
    if (seen.email) identity.email = normalizeEmail(seen.email);
    if (seen.clientId !== undefined) identity.lastClientId = seen.clientId;
  }

  async peopleWithAddress(address: string): Promise<string[]> {
    const email = normalizeEmail(address);
    const contactIds = new Set(this.contacts.filter((c) => c.email === email).map((c) => c.id));
    const people = [
      ...this.identities.filter((i) => i.email === email).map((i) => i.personId),
      ...this.memberships.filter((m) => contactIds.has(m.contactId)).map((m) => m.personId),
    ];
    return [...new Set(people)].sort();
  }

  async link(request: NewMembership, now: Date): Promise<LinkOutcome> {
    await this.beforeLink();
    const identity = this.identities.find((i) => i.issuer === request.issuer && i.subject === request.subject);
    const contacts = this.contacts.filter((c) => request.contactIds.includes(c.id));
    const members = this.memberships.filter((m) => contacts.some((c) => c.id === m.contactId));
    let wrote = false;
    let personId = identity?.personId ?? members[0]?.personId;
    const identityAdded = !identity && personId !== undefined;
    if (personId === undefined) {
      personId = nextId();
      this.people.push({ id: personId, createdAt: now, associationId: request.associationId });
      wrote = true;
    }
    if (!identity) {
      this.identities.push({
        id: nextId(),
        personId,
        upstreamId: request.upstreamId,
        issuer: request.issuer,
        subject: request.subject,
        signInName: request.signInName,
        linkedAt: now,
        lastLoginAt: null,
        email: null,
        lastClientId: null,
        authenticatedAt: request.authenticatedAt ?? now,
        associationId: request.associationId,
      });
      wrote = true;
    }
    const person = personId;
    const accountIds: string[] = [];
    for (const contact of contacts) {
      const member =
        this.memberships.find((m) => m.contactId === contact.id) ??
        // Already a member of this account as another of its contacts: nothing to add, and nothing refused.
        this.memberships.find((m) => m.personId === person && m.accountId === contact.accountId);
      if (!member) {
        const entry = { id: nextId(), personId, accountId: contact.accountId, contactId: contact.id, linkedAt: now };
        this.memberships.push({ ...entry, associationId: request.associationId });
        wrote = true;
        accountIds.push(contact.accountId);
      } else if (member.personId === personId) accountIds.push(contact.accountId);
    }
    if (accountIds.length === 0) return { kind: 'taken', personId: null, identityAdded: false, accountIds };
    return { kind: wrote ? 'linked' : 'already-linked', personId, identityAdded, accountIds };
  }

  async unlinkAssociation(associationId: string): Promise<void> {
    for (const list of [this.memberships, this.identities, this.people] as { associationId: string | null }[][]) {
      for (let i = list.length - 1; i >= 0; i -= 1) if (list[i]?.associationId === associationId) list.splice(i, 1);
    }
  }

  async removeMembership(id: string): Promise<MembershipEntry | null> {
    const at = this.memberships.findIndex((m) => m.id === id);
    return at < 0 ? null : copy(this.memberships.splice(at, 1)[0]!);
  }

  async removeIdentity(id: string): Promise<Identity | null> {
    const at = this.identities.findIndex((i) => i.id === id);
    return at < 0 ? null : copy(this.identities.splice(at, 1)[0]!);
  }

  async findAccount(id: string): Promise<Account | null> {
    const found = this.accounts.find((a) => a.id === id);
    return found ? copy(found) : null;
  }

  async createAccount(input: NewAccount): Promise<Account | 'duplicate'> {
    if (this.accounts.some((a) => a.customerNumber === input.customerNumber)) return 'duplicate';
    const account = { ...input, id: nextId(), plans: input.plans.map(copy) };
    this.accounts.push(account);
    return copy(account);
  }

  async changeAccount(id: string, patch: AccountPatch): Promise<Changed<Account> | null> {
    const account = this.accounts.find((a) => a.id === id);
    if (!account) return null;
    const before = copy(account);
    Object.assign(account, defined(patch));
    return { before, after: copy(account) };
  }

  async addContact(accountId: string, input: { email: string; name?: string | null }): Promise<Contact | 'duplicate'> {
    const email = normalizeEmail(input.email);
    if (this.contacts.some((c) => c.accountId === accountId && c.email === email)) return 'duplicate';
    const contact = { id: nextId(), accountId, email, name: input.name ?? null, status: 'active' as const };
    this.contacts.push(contact);
    return copy(contact);
  }

  async changeContact(id: string, patch: ContactPatch): Promise<Changed<Contact> | null | 'duplicate'> {
    const contact = this.contacts.find((c) => c.id === id);
    if (!contact) return null;
    const change = defined({ ...patch, ...(patch.email !== undefined ? { email: normalizeEmail(patch.email) } : {}) });
    const taken = (email: string) =>
      this.contacts.some((c) => c !== contact && c.accountId === contact.accountId && c.email === email);
    if (change.email !== undefined && taken(change.email)) return 'duplicate';
    const before = copy(contact);
    Object.assign(contact, change);
    return { before, after: copy(contact) };
  }

  async searchAccounts(query: string, limit: number): Promise<Account[]> {
    const needle = query.toLowerCase();
    const address = query.includes('@') ? normalizeEmail(query) : null;
    const byContact = new Set(this.contacts.filter((c) => c.email === address).map((c) => c.accountId));
    return this.accounts
      .filter((a) => a.customerNumber === query || a.name.toLowerCase().includes(needle) || byContact.has(a.id))
      .sort((a, b) => (a.customerNumber < b.customerNumber ? -1 : a.customerNumber > b.customerNumber ? 1 : 0))
      .slice(0, limit)
      .map(copy);
  }

  async accountWithPeople(id: string): Promise<AccountWithPeople | null> {
    const account = this.accounts.find((a) => a.id === id);
    if (!account) return null;
    const memberships = this.memberships.filter((m) => m.accountId === id).sort(oldestFirst);
    const members = new Set(memberships.map((m) => m.personId));
    return {
      account: copy(account),
      contacts: this.contacts
        .filter((c) => c.accountId === id)
        .sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0))
        .map(copy),
      memberships: memberships.map(copy),
      identities: this.identities
        .filter((i) => members.has(i.personId))
        .sort(oldestFirst)
        .map(copy),
    };
  }

  async personWithAccounts(id: string): Promise<PersonWithAccounts | null> {
    const person = this.people.find((p) => p.id === id);
    if (!person) return null;
    const memberships = this.memberships.filter((m) => m.personId === id).sort(oldestFirst);
    return {
      person: { id: person.id, createdAt: person.createdAt },
      identities: await this.identitiesOf(id),
      memberships: memberships.map(copy),
      accounts: this.accounts.filter((a) => memberships.some((m) => m.accountId === a.id)).map(copy),
      contacts: this.contacts.filter((c) => memberships.some((m) => m.contactId === c.id)).map(copy),
    };
  }
}
