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
  Plan,
} from './people.ts';

// What the people directory (people-directory.ts) needs from where people are kept: people-store.ts implements it on
// MongoDB; the tests hold an in-memory one to the same conformance suites (test/accounts/conformance/,
// test/linking/conformance/memberships-conformance.ts). Plain values with string ids: an id that is no id finds and
// changes nothing.

/** What a sign-in reported and which portal asked, kept for support. */
export interface SignInSeen {
  /** Normalised (trimmed, lower case). */
  email?: string | null;
  clientId?: string | null;
}

export interface NewAccount {
  customerNumber: string;
  name: string;
  plans: Plan[];
  status: 'active' | 'disabled';
}

export interface AccountPatch {
  name?: string;
  plans?: Plan[];
  status?: 'active' | 'disabled';
}

export interface ContactPatch {
  email?: string;
  name?: string | null;
  status?: 'active' | 'disabled';
}

/** A change of one record: what it was and what it is now. */
export interface Changed<T> {
  before: T;
  after: T;
}

export interface AccountWithPeople {
  account: Account;
  contacts: Contact[];
  memberships: MembershipEntry[];
  identities: Identity[];
}

export interface PersonWithAccounts {
  person: Person;
  identities: Identity[];
  memberships: MembershipEntry[];
  accounts: Account[];
  contacts: Contact[];
}

export interface PeopleStorage {
  findIdentity(issuer: string, subject: string): Promise<Identity | null>;
  /** Memberships whose contact is active, oldest first (a stable order for choices), whatever the account's status. */
  membershipsOf(personId: string): Promise<Membership[]>;
  /** Every active contact with this address (normalised) on an active account, with its member if it has one. */
  joinableContacts(address: string): Promise<JoinableContact[]>;
  /** The contacts of these ids that can still be joined (the ones an association named, re-read at confirmation). */
  contactsByIds(ids: readonly string[]): Promise<JoinableContact[]>;
  /** The person's sign-ins, oldest first. */
  identitiesOf(personId: string): Promise<Identity[]>;
  /** Records a sign-in, the upstream authentication it proved when it proved one, and what it reported. */
  recordLogin(identityId: string, at: Date, authenticatedAt?: Date, seen?: SignInSeen): Promise<void>;
  /** The people with a sign-in that reported this address, or acting as a contact registered under it. */
  peopleWithAddress(address: string): Promise<string[]>;
  /**
   * A confirmed association: the person (when new), the sign-in (one person per issuer and subject), and a
   * membership per contact (one person per contact, one membership per person and account), also under races.
   */
  link(request: NewMembership, now: Date): Promise<LinkOutcome>;
  /** Removes what a given association's confirmation wrote, if anything. */
  unlinkAssociation(associationId: string): Promise<void>;
  /** The removed membership, or null when there was none of this id. */
  removeMembership(id: string): Promise<MembershipEntry | null>;
  /** The removed sign-in, or null when there was none of this id. */
  removeIdentity(id: string): Promise<Identity | null>;
  findAccount(id: string): Promise<Account | null>;
  /** One account per customer number, also when two creations race: the second is answered 'duplicate'. */
  createAccount(input: NewAccount): Promise<Account | 'duplicate'>;
  /** Changes only the fields the patch names; null when there is no account of this id. */
  changeAccount(id: string, patch: AccountPatch): Promise<Changed<Account> | null>;
  /** One contact per account and address (normalised): a second is answered 'duplicate'. */
  addContact(accountId: string, input: { email: string; name?: string | null }): Promise<Contact | 'duplicate'>;
  /** As changeAccount; 'duplicate' when the new address is another contact's of the same account. */
  changeContact(id: string, patch: ContactPatch): Promise<Changed<Contact> | null | 'duplicate'>;
  /**
   * By customer number (exact), name (contains, any case, the query taken literally) or a contact's address (exact,
   * normalised), in customer number order, at most `limit`.
   */
  searchAccounts(query: string, limit: number): Promise<Account[]>;
  /** An account with its contacts (by address), its memberships (oldest first) and its members' sign-ins. */
  accountWithPeople(id: string): Promise<AccountWithPeople | null>;
  /** A person with their sign-ins (oldest first), memberships, and the accounts and contacts those name. */
  personWithAccounts(id: string): Promise<PersonWithAccounts | null>;
}
