import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ServiceUnavailable } from '../errors/broker-error.ts';
import type { Redis } from '../store/redis.ts';
import { TooManyRequests } from './linking-errors.ts';

export interface AssociationLimitSettings {
  perIdentity: number;
  perAddress: number;
  perIp: number;
  /** Confirmation attempts (button presses) per link. */
  perLink?: number;
}

const HOUR_S = 3600;

/**
 * Abuse limits on association requests (per upstream identity, per entered address, per client IP) and on
 * confirmation attempts per link, counted in Redis. They fail closed: when Redis cannot count, nothing is sent.
 */
export class AssociationLimits {
  readonly #identity: RateLimiterRedis;
  readonly #address: RateLimiterRedis;
  readonly #ip: RateLimiterRedis;
  readonly #link: RateLimiterRedis;

  constructor(redis: Redis, settings: AssociationLimitSettings) {
    const limiter = (keyPrefix: string, points: number) =>
      new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration: HOUR_S, rejectIfRedisNotReady: true });
    this.#identity = limiter('rl:assoc:identity', settings.perIdentity);
    this.#address = limiter('rl:assoc:address', settings.perAddress);
    this.#ip = limiter('rl:assoc:ip', settings.perIp);
    this.#link = limiter('rl:confirm:link', settings.perLink ?? 10);
  }

  async consumeRequest(keys: { identity: string; address: string; ip: string }): Promise<void> {
    // Every counter is charged, so probing addresses from one identity also spends that identity's allowance.
    await this.#consume([
      [this.#identity, keys.identity],
      [this.#address, keys.address],
      [this.#ip, keys.ip],
    ]);
  }

  async consumeConfirmation(tokenHash: string): Promise<void> {
    await this.#consume([[this.#link, tokenHash]]);
  }

  async #consume(pairs: Array<[RateLimiterRedis, string]>): Promise<void> {
    const results = await Promise.allSettled(pairs.map(([limiter, key]) => limiter.consume(key)));
    for (const result of results) {
      if (result.status === 'fulfilled') continue;
      if (result.reason instanceof RateLimiterRes) throw new TooManyRequests();
      throw new ServiceUnavailable();
    }
  }
}
