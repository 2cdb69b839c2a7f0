import { Redis } from 'ioredis';
import type { Logger } from '../log/logger.ts';
import { redactCredentials } from './errors.ts';

export type { Redis };

export interface RedisOptions {
  logger: Logger;
  timeoutMs?: number;
  /** Prefix for every key, so that tests and several deployments can share one server. */
  keyPrefix?: string;
}

/**
 * Connects an ioredis client and waits for it. Commands fail fast while Redis is unreachable (no offline queue,
 * bounded retries) so that a request answers 503 instead of hanging; the client keeps reconnecting in the background.
 */
export async function connectRedis(url: string, { logger, timeoutMs = 5_000, keyPrefix }: RedisOptions): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    ...(keyPrefix ? { keyPrefix } : {}),
  });
  let lastError = '';
  redis.on('error', (error: Error) => {
    // ioredis emits an error per reconnection attempt; log a change of cause once, not every 200 ms.
    if (error.message !== lastError) logger.warn({ reason: error.message }, 'Redis connection problem');
    lastError = error.message;
  });
  redis.on('ready', () => (lastError = ''));
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Redis: cannot connect to ${redactCredentials(url)} (redis.url / REDIS_URL): ${(error as Error).message}`);
  }
  logger.info({ redis: redactCredentials(url) }, 'Redis connected');
  return redis;
}

export async function pingRedis(redis: Redis): Promise<void> {
  const answer = await redis.ping();
  if (answer !== 'PONG') throw new Error(`unexpected PING answer ${answer}`);
}
