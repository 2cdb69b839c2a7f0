import { createHash } from 'node:crypto';
import type { Redis } from '../store/redis.ts';
import { writeWithRequest } from '../store/request-writes.ts';
import type { FreshnessRequirement } from './authentication-evidence.ts';

/** What a login started upstream needs to be finished: kept server-side, never in the browser. */
export interface LoginTransaction {
  upstreamId: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  /** The fresh authentication this login must prove, if any. */
  freshness?: FreshnessRequirement;
  /** The portal the person came from, for the way back when the login fails. */
  clientId: string | null;
  /**
   * What the sign-in is for: an oidc-provider interaction, confirming a pending association, the support console, or
   * the person's own page (src/me).
   */
  purpose:
    | { kind: 'interaction'; interactionUid: string }
    | { kind: 'confirmation'; reference: string }
    | { kind: 'console'; returnTo: string }
    | { kind: 'me'; step: AccountPageStep };
}

/**
 * A sign-in for the person's own page: to open it, to add a sign-in, or to prove a kept sign-in before one is
 * removed. `session` is the hash that names the page's session (its cookie is scoped to /me and never reaches the
 * upstream callback).
 */
export type AccountPageStep =
  | { action: 'open' }
  | { action: 'add'; session: string }
  | { action: 'remove'; session: string; identityId: string; keptIdentityId: string };

/**
 * How long a sign-in may spend upstream: the login transaction, the cookie that binds it to the browser and the
 * confirmation reference that stands in for a link token all live this long.
 */
export const UPSTREAM_LOGIN_TTL_S = 10 * 60;

function keyOf(state: string): string {
  return `upstream-tx:${createHash('sha256').update(state).digest('base64url')}`;
}

/** Upstream login transactions in Redis, each usable once and for ten minutes at most. */
export class LoginTransactionStore {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  /**
   * Started within oidc-provider's authorization request (straight upstream), the transaction goes to Redis in that
   * request's MULTI, with the interaction it belongs to, before the browser is sent upstream; elsewhere at once.
   */
  async save(transaction: LoginTransaction): Promise<void> {
    const key = keyOf(transaction.state);
    const json = JSON.stringify(transaction);
    await writeWithRequest(this.#redis, [key], (multi) => multi.set(key, json, 'EX', UPSTREAM_LOGIN_TTL_S));
  }

  /** Returns the transaction and deletes it in one step (GETDEL), so a replayed callback finds nothing. */
  async consume(state: string): Promise<LoginTransaction | undefined> {
    const stored = await this.#redis.getdel(keyOf(state));
    return stored === null ? undefined : (JSON.parse(stored) as LoginTransaction);
  }
}
