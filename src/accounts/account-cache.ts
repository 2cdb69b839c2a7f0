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
}

/**
 * The people directory as sign-ins and tokens read it. The identity (by issuer and subject) is read every time — one
 * indexed query, and an unlinked identity stops signing in at once. A person's memberships with their accounts and
 * contacts are reused for `ttlMs` (accountCacheTtl, 5 s by default; a person without memberships is read again every
 * time, so a new link counts at once), so a linked sign-in and the token requests after it read them once per person
 * per `ttlMs` instead of three queries each. A change made elsewhere — an account disabled, a plan changed, a
 * membership removed — takes effect after at most `ttlMs`. Plan expiry needs no read: plans are judged at the time of
 * use. `lastLoginAt` is written at most once per `loginRecordIntervalMs` (an hour) per identity, and a newer proven
 * authentication time with it; in between, this process keeps the newest proven time itself, and another process
 * falls back to the older stored one, which is never later than the truth (the `auth_time` rule).
 */
export function cachedSignIns(directory: PeopleDirectory, options: SignInCacheOptions): SignInDirectory {
  const { ttlMs, maxEntries = 10_000, loginRecordIntervalMs = LOGIN_RECORD_INTERVAL_MS, now = Date.now } = options;
  const memberships = new ExpiringReads<Membership[]>(ttlMs, maxEntries, now);
  const logins = new Map<string, { recordedAt: number; authenticatedAt: Date | undefined }>();

  return {
    async findIdentity(issuer, subject) {
      // Never cached: an identity unlinked ("This wasn't me", support) must stop signing in at once, in every process.
      const identity = await directory.findIdentity(issuer, subject);
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
