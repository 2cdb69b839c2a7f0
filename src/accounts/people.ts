// The organisation model as every module outside the MongoDB store sees it: plain readonly values with string
// ids. ObjectIds, mongoose documents and lean() shapes stay inside people-store.ts.

/** A support or enhancement plan of an account, and when it stops counting. */
export interface Plan {
  type: string;
  /** The first instant at which the plan no longer counts. */
  expiresAt: Date;
}

/** A customer account (an organisation): its number, name, plans and whether it may sign in at all. */
export interface Account {
  readonly id: string;
  readonly customerNumber: string;
  readonly name: string;
  readonly plans: readonly Plan[];
  readonly status: 'active' | 'disabled';
}

/** A registered address on an account: proving control of it makes a person a member as this contact. */
export interface Contact {
  readonly id: string;
  readonly accountId: string;
  /** Always normalised. */
  readonly email: string;
  readonly name: string | null;
  readonly status: 'active' | 'disabled';
}

/** Someone who signs in: the `sub` portals see. */
export interface Person {
  readonly id: string;
  readonly createdAt: Date;
}

/** An upstream sign-in of a person: whoever signs in as (issuer, subject) is that person. */
export interface Identity {
  readonly id: string;
  readonly personId: string;
  readonly upstreamId: string;
  readonly issuer: string;
  readonly subject: string;
  readonly signInName: string | null;
  readonly linkedAt: Date;
  readonly lastLoginAt: Date | null;
  /** The address the upstream reported at the last recorded sign-in, if it reported one. */
  readonly email: string | null;
  /** The portal that asked for the last recorded sign-in. */
  readonly lastClientId: string | null;
  /** The latest upstream authentication proven through the broker (auth_time when a later sign-in proves none). */
  readonly authenticatedAt: Date | null;
  /** The association whose confirmation wrote it (none for imported, seeded or migrated links). */
  readonly associationId: string | null;
}

/** A person acting for an account as one of its contacts. */
export interface MembershipEntry {
  readonly id: string;
  readonly personId: string;
  readonly accountId: string;
  readonly contactId: string;
  readonly linkedAt: Date;
  readonly associationId: string | null;
}

/** A person's membership with what portals are told about it: the account and the contact (its address). */
export interface Membership {
  readonly membership: MembershipEntry;
  readonly account: Account;
  readonly contact: Contact;
}

/** A registered address on an account that can be joined (both active), with the person acting as it, if any. */
export interface JoinableContact {
  readonly contact: Contact;
  readonly account: Account;
  readonly member: MembershipEntry | null;
}

/** A confirmed association: the sign-in that proved the address, and the contacts that address is. */
export interface NewMembership {
  readonly upstreamId: string;
  readonly issuer: string;
  readonly subject: string;
  readonly signInName: string;
  readonly contactIds: readonly string[];
  /** The association whose confirmation writes (undone if that association ends otherwise). */
  readonly associationId: string;
  /** When the confirming sign-in authenticated upstream (it was required to be fresh). */
  readonly authenticatedAt?: Date;
}

export interface LinkOutcome {
  /**
   * `linked`: something new was written (the person, the identity, a membership); `already-linked`: all of it was
   * there (a repeated confirmation, or a retry after a crash); `taken`: every contact belongs to another person.
   */
  readonly kind: 'linked' | 'already-linked' | 'taken';
  readonly personId: string | null;
  /** The identity was added to a person that existed before (a second sign-in of the same person). */
  readonly identityAdded: boolean;
  /** The accounts the person is a member of through this association's contacts. */
  readonly accountIds: readonly string[];
}
