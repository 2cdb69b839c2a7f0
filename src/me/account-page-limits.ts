import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ServiceUnavailable } from '../errors/broker-error.ts';
import type { Redis } from '../store/redis.ts';
import { TooManyChanges } from './account-page-problems.ts';

/** Changes a person may make from their page per hour (leaving, adding, removing, signing out everywhere). */
export const CHANGES_PER_HOUR = 20;

/**
 * A limit on repeated changes per person, counted in Redis and closed when Redis cannot count: a stolen page
 * session cannot churn sign-ins and memberships, nor flood the registered address with notices.
 */
export class AccountPageLimits {
  readonly #changes: RateLimiterRedis;

  constructor(redis: Redis, perHour = CHANGES_PER_HOUR) {
    this.#changes = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: 'rl:me:changes',
      points: perHour,
      duration: 3600,
      rejectIfRedisNotReady: true,
    });
  }

  async consumeChange(personId: string): Promise<void> {
    try {
      await this.#changes.consume(personId);
    } catch (error) {
      if (error instanceof RateLimiterRes) throw new TooManyChanges();
      throw new ServiceUnavailable(error);
    }
  }
}
