import { randomBytes } from 'node:crypto';
import type { Redis } from '../store/redis.ts';
import { UPSTREAM_LOGIN_TTL_S } from '../upstream/login-transactions.ts';

/**
 * Short-lived server-side references that stand in for a link token once the person pressed "confirm": the token
 * leaves every URL before the browser is sent upstream, so it can never leak through a Referer or a log there.
 */
export class ConfirmationReferences {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async create(pendingId: string): Promise<string> {
    const reference = randomBytes(24).toString('base64url');
    await this.#redis.set(`confirm-ref:${reference}`, pendingId, 'EX', UPSTREAM_LOGIN_TTL_S);
    return reference;
  }

  /** One use: the upstream callback consumes it. */
  async take(reference: string): Promise<string | undefined> {
    return (await this.#redis.getdel(`confirm-ref:${reference}`)) ?? undefined;
  }
}
