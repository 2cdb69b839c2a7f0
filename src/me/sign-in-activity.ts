import type { Logger } from '../log/logger.ts';
import type { SignInLog } from '../sign-in/resolve-sign-in.ts';
import type { Redis } from '../store/redis.ts';
import { writeWithRequest } from '../store/request-writes.ts';

/** One sign-in of a person through an upstream, as their own page lists it. */
export interface SignInEntry {
  at: Date;
  upstreamId: string;
  /** The portal that asked; null for the person's own page. */
  clientId: string | null;
}

/** How many sign-ins are kept per person, and for how long after the last one. */
export const SIGN_INS_KEPT = 100;
export const SIGN_INS_KEPT_MS = 90 * 24 * 3_600_000;

const keyOf = (personId: string) => `sign-ins:${personId}`;

/**
 * A person's recent sign-ins, newest first, in Redis: a capped list written with the sign-in's own Redis writes
 * (no round trip of its own within a batched request), kept 90 days after the last sign-in. The audit trail in
 * MongoDB holds changes; a write there for every sign-in would cost every login a MongoDB insert.
 */
export class SignInActivity implements SignInLog {
  readonly #redis: Redis;
  readonly #logger: Logger;

  constructor(redis: Redis, logger: Logger) {
    this.#redis = redis;
    this.#logger = logger;
  }

  /** A failure is logged: the sign-in it records has happened, and goes on. */
  async record(personId: string, entry: SignInEntry): Promise<void> {
    const key = keyOf(personId);
    const value = JSON.stringify({ at: entry.at.getTime(), upstreamId: entry.upstreamId, clientId: entry.clientId });
    try {
      await writeWithRequest(this.#redis, [key], (transaction) =>
        transaction
          .lpush(key, value)
          .ltrim(key, 0, SIGN_INS_KEPT - 1)
          .pexpire(key, SIGN_INS_KEPT_MS),
      );
    } catch (error) {
      this.#logger.error({ err: error }, 'a sign-in could not be added to the person’s activity');
    }
  }

  /** `limit` entries from `offset` (0: the newest). */
  async page(personId: string, offset: number, limit: number): Promise<SignInEntry[]> {
    const values = await this.#redis.lrange(keyOf(personId), offset, offset + limit - 1);
    return values.flatMap((value) => {
      const parsed = JSON.parse(value) as { at?: unknown; upstreamId?: unknown; clientId?: unknown };
      if (typeof parsed.at !== 'number' || typeof parsed.upstreamId !== 'string') return [];
      const clientId = typeof parsed.clientId === 'string' ? parsed.clientId : null;
      return [{ at: new Date(parsed.at), upstreamId: parsed.upstreamId, clientId }];
    });
  }
}
