import type { DirectoryChangeFeed } from './directory-changes.ts';
import type { IdentityRecord } from './identity-model.ts';
import type { Membership, PeopleDirectory } from './people-directory.ts';

export interface MembershipReader {
  /** The person's memberships that count (active accounts, active contacts). */
  membershipsOf(personId: string): Promise<Membership[]>;
}

/** What a sign-in reads and writes of the people directory (linking/sign-in.ts). */
export interface SignInDirectory {
  findIdentity(issuer: string, subject: string): Promise<IdentityRecord | null>;
  /** The person's memberships with active contacts, whatever their accounts' status (a disabled one refuses). */
  membershipsOf(personId: unknown): Promise<Membership[]>;
  /** Records a sign-in, and the upstream authentication it proved when it proved one. */
  recordLogin(identity: IdentityRecord, at: Date, authenticatedAt?: Date): Promise<void>;
}

export interface MembershipCacheOptions {
  /** How long a read is reused; a change (plan, status, contact, membership) shows in tokens after at most this long. */
  ttlMs: number;
  maxEntries?: number;
}

export interface SignInCacheOptions extends MembershipCacheOptions {
  /** A sign-in's `lastLoginAt` (and a newly proven authentication time) is written at most this often per identity. */
  loginRecordIntervalMs?: number;
  /** The clock (tests move it). */
  now?: () => number;
  /** Notices of unlinks and removals from every process: with a live feed, identities are cached too. */
  changes?: DirectoryChangeFeed;
}

/** An hour: `lastLoginAt` says when someone last signed in, for support and clean-up, not to the second. */
export const LOGIN_RECORD_INTERVAL_MS = 3_600_000;

/** A bounded map whose entries expire: reads of one person share one query while it runs and its answer after. */
class ExpiringReads<T> {
  readonly #entries = new Map<string, { at: number; value: Promise<T> }>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(ttlMs: number, max: number, now: () => number) {
    this.#ttlMs = ttlMs;
    this.#max = max;
    this.#now = now;
  }

  /** `keep` says whether an answer may be reused (a "not found" is asked again: it changes the moment a link is made). */
  get(key: string, read: () => Promise<T>, keep: (value: T) => boolean = () => true): Promise<T> {
    const now = this.#now();
    const entry = this.#entries.get(key);
    if (entry && now - entry.at < this.#ttlMs) return entry.value;
    this.#entries.delete(key);
    if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value as string);
    const value = read();
    this.#entries.set(key, { at: now, value });
    // A failed read is not kept: the next request asks again.
    const drop = () => this.#entries.get(key)?.value === value && this.#entries.delete(key);
    value.then((answer) => keep(answer) || drop(), drop);
    return value;
  }

  /** Forgets every answer; a read still running is not kept when it ends either. */
  clear(): void {
    this.#entries.clear();
  }
}

/**
 * The people directory as sign-ins and tokens read it. A found identity (by issuer and subject) and a person's
 * memberships with their accounts and contacts are reused for `ttlMs` (accountCacheTtl, 5 s by default), so that a
 * linked sign-in and the token requests after it cost one MongoDB read per person per `ttlMs` instead of four each.
 * "Not found" is never reused (an identity or a person without memberships is read again every time), so a new link
 * counts at once.
 *
 * Removals are noticed at once: an unlink ("This wasn't me", support) or a removal is announced by the process that
 * made it (accounts/directory-changes.ts) and every process drops what it cached. Identities are cached only while
 * that feed is live, so that an unlinked identity never signs in again once the notice has arrived; without the feed
 * (a test, Redis pub/sub down) they are read every time. A change made behind the broker's back (the accounts CLI,
 * a database edit) shows after at most `ttlMs`. Plan expiry needs no read: plans are judged at the time of use.
 *
 * `lastLoginAt` is written at most once per `loginRecordIntervalMs` (an hour) per identity, and a newer proven
 * authentication time with it; in between, this process keeps the newest proven time itself, and another process
 * falls back to the older stored one, which is never later than the truth (the `auth_time` rule).
 */
export function cachedSignIns(directory: PeopleDirectory, options: SignInCacheOptions): SignInDirectory {
  const { ttlMs, maxEntries = 10_000, loginRecordIntervalMs = LOGIN_RECORD_INTERVAL_MS, now = Date.now, changes } = options;
  const memberships = new ExpiringReads<Membership[]>(ttlMs, maxEntries, now);
  const identities = new ExpiringReads<IdentityRecord | null>(ttlMs, maxEntries, now);
  changes?.onChange(() => {
    identities.clear();
    memberships.clear();
  });
  const readIdentity = (issuer: string, subject: string) =>
    changes?.live && ttlMs > 0
      ? identities.get(`${issuer}\n${subject}`, () => directory.findIdentity(issuer, subject), (found) => found !== null)
      : directory.findIdentity(issuer, subject);
  const logins = new Map<string, { recordedAt: number; authenticatedAt: Date | undefined }>();

  return {
    async findIdentity(issuer, subject) {
      const identity = await readIdentity(issuer, subject);
      const known = identity ? logins.get(identity._id.toHexString()) : undefined;
      // The newest authentication proven through this process, though not yet written.
      if (!identity || !known?.authenticatedAt || (identity.authenticatedAt && identity.authenticatedAt >= known.authenticatedAt)) return identity;
      return { ...identity, authenticatedAt: known.authenticatedAt };
    },
    membershipsOf(personId) {
      return memberships.get(String(personId), () => directory.membershipsOf(personId), (found) => found.length > 0);
    },
    async recordLogin(identity, at, authenticatedAt) {
      const id = identity._id.toHexString();
      const last = logins.get(id)?.recordedAt ?? identity.lastLoginAt?.getTime();
      const newest = authenticatedAt ?? logins.get(id)?.authenticatedAt;
      if (last !== undefined && now() - last < loginRecordIntervalMs) {
        logins.set(id, { recordedAt: last, authenticatedAt: newest });
        return;
      }
      if (logins.size >= maxEntries) logins.delete(logins.keys().next().value as string);
      logins.set(id, { recordedAt: now(), authenticatedAt: newest });
      await directory.recordLogin(identity._id, at, newest);
    },
  };
}

/** The memberships that count for tokens: those of active accounts. */
export function activeMemberships(reader: Pick<SignInDirectory, 'membershipsOf'>): MembershipReader {
  return { membershipsOf: async (personId) => (await reader.membershipsOf(personId)).filter((m) => m.account.status === 'active') };
}

/**
 * Memberships as the token endpoint reads them, on their own: every code exchange, refresh and userinfo call loads
 * the person's accounts for their claims, and the entitlement check on every authorization.
 */
export function cachedMemberships(directory: PeopleDirectory, { ttlMs, maxEntries = 10_000 }: MembershipCacheOptions): MembershipReader {
  if (ttlMs === 0) return activeMemberships(directory);
  const reads = new ExpiringReads<Membership[]>(ttlMs, maxEntries, Date.now);
  return activeMemberships({ membershipsOf: (personId) => reads.get(String(personId), () => directory.membershipsOf(personId)) });
}
