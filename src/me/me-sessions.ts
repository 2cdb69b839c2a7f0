import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from '../store/redis.ts';

/** Who a page session is for, and the linked sign-in that opened it (re-checked on every request). */
export interface AccountPageSession {
  personId: string;
  identityId: string;
  /** When it was opened (ms): a "sign out everywhere" after that ends it. */
  openedAt: number;
}

/** Half an hour from sign-in, never extended: the page holds a person's data and changes their sign-ins. */
export const ACCOUNT_PAGE_SESSION_TTL_MS = 30 * 60_000;

const hashOf = (id: string) => createHash('sha256').update(id).digest('base64url');
const sessionKey = (hash: string) => `me-session:${hash}`;
const signedOutKey = (personId: string) => `me-signed-out:${personId}`;

/**
 * Sessions of the person's own page in Redis, apart from oidc-provider's (their own cookie, scoped to /me). The
 * cookie holds a random id; Redis keeps only its hash, which is also how a sign-in started from the page names the
 * session (the cookie never reaches the upstream callback). "Sign out everywhere" writes the moment it happened,
 * which ends every page session opened before it, in every browser, without a list of them.
 */
export class AccountPageSessions {
  readonly #redis: Redis;
  readonly #ttlMs: number;

  constructor(redis: Redis, ttlMs = ACCOUNT_PAGE_SESSION_TTL_MS) {
    this.#redis = redis;
    this.#ttlMs = ttlMs;
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  /** The cookie's value for a new session. */
  async open(session: Omit<AccountPageSession, 'openedAt'>, now: Date): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const stored: AccountPageSession = { ...session, openedAt: now.getTime() };
    await this.#redis.set(sessionKey(hashOf(id)), JSON.stringify(stored), 'PX', this.#ttlMs);
    return id;
  }

  /** The name a sign-in started from the page carries back (see AccountPageStep). */
  nameOf(id: string): string {
    return hashOf(id);
  }

  find(id: string): Promise<AccountPageSession | undefined> {
    return this.findNamed(hashOf(id));
  }

  async findNamed(name: string): Promise<AccountPageSession | undefined> {
    const stored = await this.#redis.get(sessionKey(name));
    if (stored === null) return undefined;
    const session = JSON.parse(stored) as AccountPageSession;
    const signedOut = await this.#redis.get(signedOutKey(session.personId));
    return signedOut !== null && Number(signedOut) >= session.openedAt ? undefined : session;
  }

  /** The session goes on with another of the person's sign-ins (the one it was opened with was removed). */
  async switchIdentity(name: string, identityId: string): Promise<void> {
    const session = await this.findNamed(name);
    if (!session) return;
    await this.#redis.set(sessionKey(name), JSON.stringify({ ...session, identityId }), 'KEEPTTL');
  }

  async end(id: string): Promise<void> {
    await this.#redis.del(sessionKey(hashOf(id)));
  }

  /** Ends every page session of the person opened until `now`. */
  async endAllOf(personId: string, now: Date): Promise<void> {
    await this.#redis.set(signedOutKey(personId), String(now.getTime()), 'PX', this.#ttlMs);
  }
}
