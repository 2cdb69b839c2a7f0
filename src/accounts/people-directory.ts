import type { DirectoryChangeFeed, DirectoryChangeNotices } from './directory-changes.ts';
import { isObjectIdText } from '../store/object-ids.ts';
import { ExpiringReads } from './expiring-reads.ts';
import type {
  Account,
  Contact,
  Identity,
  JoinableContact,
  LinkOutcome,
  Membership,
  MembershipEntry,
  NewMembership,
} from './people.ts';
import type {
  AccountPatch,
  AccountWithPeople,
  Changed,
  ContactPatch,
  NewAccount,
  PeopleStorage,
  PersonWithAccounts,
  SignInSeen,
} from './people-storage.ts';

export type * from './people.ts';
export type { AccountPatch, AccountWithPeople, Changed, ContactPatch, NewAccount, PersonWithAccounts };

/**
 * An id from a token, a session or a form is untrusted input: the id as the directory's ids look (24 hex digits,
 * lower case), or null for anything else, which then finds nothing.
 */
export function idOf(id: unknown): string | null {
  return isObjectIdText(id) ? id.toLowerCase() : null;
}

export interface MembershipReader {
  /** The person's memberships that count for tokens: active accounts, active contacts. */
  membershipsOf(personId: string): Promise<Membership[]>;
}

/** What a sign-in reads and writes of the people directory (sign-in/resolve-sign-in.ts). */
export interface SignInDirectory {
  findIdentity(issuer: string, subject: string): Promise<Identity | null>;
  /** The person's memberships with active contacts, whatever their accounts' status (a disabled one refuses). */
  membershipsOf(personId: unknown): Promise<Membership[]>;
  /** Records a sign-in, the upstream authentication it proved when it proved one, and what it reported. */
  recordLogin(identity: Identity, at: Date, authenticatedAt?: Date, seen?: SignInSeen): Promise<void>;
}

export interface PeopleDirectoryOptions {
  /**
   * accountCacheTtl: how long a read is reused. It bounds only what changes behind the broker's back (a database
   * edit, or the accounts CLI when it cannot reach Redis): the broker's own writes are seen at once. 0: no cache.
   */
  ttlMs: number;
  /** Notices of changes from every process (Redis pub/sub). Without a live feed nothing is cached. */
  changes?: DirectoryChangeFeed & DirectoryChangeNotices;
  maxEntries?: number;
  /** A sign-in's `lastLoginAt` (and a newly proven authentication time) is written at most this often per identity. */
  loginRecordIntervalMs?: number;
  /** The clock (tests move it). */
  now?: () => number;
}

/** An hour: `lastLoginAt` says when someone last signed in, for support and clean-up, not to the second. */
export const LOGIN_RECORD_INTERVAL_MS = 3_600_000;

/**
 * The people directory: the one way the broker reads and changes people, their sign-ins (upstream identities),
 * their memberships and the accounts and contacts those name. It owns the cache of what sign-ins and tokens read,
 * and so its invalidation: every write below drops this process's cache and announces the change to every other
 * broker process before it returns, so that the next sign-in anywhere sees it (accounts/directory-changes.ts).
 *
 * What is cached: a found identity (by issuer and subject) and a person's memberships with their accounts and
 * contacts, for `ttlMs`, and only while the change feed is live (a missed notice would otherwise be served until
 * it ages out). "Not found" (no identity, no memberships) is never kept beyond the reads already waiting for it.
 * A linked sign-in and its token requests then cost one MongoDB read per person per `ttlMs` instead of four each.
 * Plan expiry needs no read: plans are judged at the time of use.
 *
 * `lastLoginAt` is written at most once per `loginRecordIntervalMs` per identity, with a newer proven
 * authentication time; in between this process keeps the newest proven time itself, and another process falls
 * back to the older stored one, which is never later than the truth (the `auth_time` rule).
 */
export class PeopleDirectory implements SignInDirectory {
  readonly #store: PeopleStorage;
  readonly #changes: (DirectoryChangeFeed & DirectoryChangeNotices) | undefined;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #loginRecordIntervalMs: number;
  readonly #maxEntries: number;
  readonly #memberships: ExpiringReads<Membership[]>;
  readonly #identities: ExpiringReads<Identity | null>;
  readonly #logins = new Map<string, { recordedAt: number; authenticatedAt: Date | undefined }>();

  constructor(store: PeopleStorage, options: PeopleDirectoryOptions) {
    const {
      ttlMs,
      changes,
      maxEntries = 10_000,
      loginRecordIntervalMs = LOGIN_RECORD_INTERVAL_MS,
      now = Date.now,
    } = options;
    this.#store = store;
    this.#changes = changes;
    this.#ttlMs = ttlMs;
    this.#now = now;
    this.#loginRecordIntervalMs = loginRecordIntervalMs;
    this.#maxEntries = maxEntries;
    this.#memberships = new ExpiringReads(ttlMs, maxEntries, now);
    this.#identities = new ExpiringReads(ttlMs, maxEntries, now);
    changes?.onChange(() => this.#forget());
  }

  get #caching(): boolean {
    return this.#ttlMs > 0 && this.#changes?.live === true;
  }

  #forget(): void {
    this.#identities.clear();
    this.#memberships.clear();
  }

  /** After a write: this process forgets at once, the others when the notice arrives (announce never throws). */
  async #changed(): Promise<void> {
    this.#forget();
    await this.#changes?.announce();
  }

  /** Runs a write and announces it, even when the write failed half-way (what was written must not be served stale). */
  async #write<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      await this.#changed();
    }
  }

  async findIdentity(issuer: string, subject: string): Promise<Identity | null> {
    const read = () => this.#store.findIdentity(issuer, subject);
    const identity = this.#caching
      ? await this.#identities.get(`${issuer}\n${subject}`, read, (found) => found !== null)
      : await read();
    const known = identity ? this.#logins.get(identity.id) : undefined;
    // The newest authentication proven through this process, though not yet written.
    if (!identity || !known?.authenticatedAt) return identity;
    if (identity.authenticatedAt && identity.authenticatedAt >= known.authenticatedAt) return identity;
    return { ...identity, authenticatedAt: known.authenticatedAt };
  }

  /** Memberships whose contact is active, whatever the account's status (a sign-in refuses a disabled one). */
  membershipsOf(personId: unknown): Promise<Membership[]> {
    const id = idOf(personId);
    if (!id) return Promise.resolve([]);
    const read = () => this.#store.membershipsOf(id);
    return this.#caching ? this.#memberships.get(id, read, (found) => found.length > 0) : read();
  }

  /** The memberships that count for tokens and the entitlement check: those of active accounts too. */
  async activeMembershipsOf(personId: unknown): Promise<Membership[]> {
    return (await this.membershipsOf(personId)).filter((m) => m.account.status === 'active');
  }

  joinableContacts(address: string): Promise<JoinableContact[]> {
    return this.#store.joinableContacts(address);
  }

  contactsByIds(ids: readonly string[]): Promise<JoinableContact[]> {
    return this.#store.contactsByIds(ids);
  }

  identitiesOf(personId: string): Promise<Identity[]> {
    return this.#store.identitiesOf(personId);
  }

  async recordLogin(identity: Identity, at: Date, authenticatedAt?: Date, seen?: SignInSeen): Promise<void> {
    const id = identity.id;
    const last = this.#logins.get(id)?.recordedAt ?? identity.lastLoginAt?.getTime();
    const newest = authenticatedAt ?? this.#logins.get(id)?.authenticatedAt;
    if (last !== undefined && this.#now() - last < this.#loginRecordIntervalMs) {
      this.#logins.set(id, { recordedAt: last, authenticatedAt: newest });
      return;
    }
    if (this.#logins.size >= this.#maxEntries) this.#logins.delete(this.#logins.keys().next().value as string);
    this.#logins.set(id, { recordedAt: this.#now(), authenticatedAt: newest });
    await this.#store.recordLogin(identity.id, at, newest, seen);
  }

  /** A confirmed association (or support's link on behalf): the person, the sign-in and the memberships it grants. */
  link(request: NewMembership, now: Date): Promise<LinkOutcome> {
    return this.#write(() => this.#store.link(request, now));
  }

  /** Undoes what an association's confirmation wrote (cancelled, "this wasn't me", lost to a cancel). */
  unlinkAssociation(associationId: string): Promise<void> {
    return this.#write(() => this.#store.unlinkAssociation(associationId));
  }

  removeMembership(id: string): Promise<MembershipEntry | null> {
    return this.#write(() => this.#store.removeMembership(id));
  }

  removeIdentity(id: string): Promise<Identity | null> {
    return this.#write(() => this.#store.removeIdentity(id));
  }

  /** Support's reads: not cached (support must see what is stored now). */
  searchAccounts(query: string, limit: number): Promise<Account[]> {
    return this.#store.searchAccounts(query, limit);
  }

  accountWithPeople(id: string): Promise<AccountWithPeople | null> {
    return this.#store.accountWithPeople(id);
  }

  personWithAccounts(id: string): Promise<PersonWithAccounts | null> {
    return this.#store.personWithAccounts(id);
  }

  /** Support's search: the people whose sign-in reported this address or who act as a contact registered under it. */
  peopleWithAddress(address: string): Promise<string[]> {
    return this.#store.peopleWithAddress(address);
  }

  findAccount(id: string): Promise<Account | null> {
    return this.#store.findAccount(id);
  }

  /** A new account has no members yet: nothing cached can name it, so nothing is announced. */
  createAccount(input: NewAccount): Promise<Account | 'duplicate'> {
    return this.#store.createAccount(input);
  }

  /** Name, plans and status: all of them are in the claims or decide the sign-in. */
  changeAccount(id: string, patch: AccountPatch): Promise<Changed<Account> | null> {
    return this.#write(() => this.#store.changeAccount(id, patch));
  }

  /** A new contact has no member yet; joinable contacts are read fresh by the association flow. */
  addContact(accountId: string, input: { email: string; name?: string | null }): Promise<Contact | 'duplicate'> {
    return this.#store.addContact(accountId, input);
  }

  /** Address (the `email` claim) and status (a disabled contact's membership stops counting). */
  changeContact(id: string, patch: ContactPatch): Promise<Changed<Contact> | null | 'duplicate'> {
    return this.#write(() => this.#store.changeContact(id, patch));
  }
}
