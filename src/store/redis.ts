import { Redis, type RedisOptions as IoRedisOptions } from 'ioredis';
import type { Logger } from '../log/logger.ts';
import { redactCredentials } from './errors.ts';

export type { Redis };

/** Where Redis is: one server by URL, or the primary that a set of Sentinels names (high availability). */
export type RedisTarget =
  | string
  | {
      url?: string | undefined;
      sentinels?: ReadonlyArray<{ host: string; port: number }> | undefined;
      name?: string | undefined;
      password?: string | undefined;
      sentinelPassword?: string | undefined;
    };

export interface RedisOptions {
  logger: Logger;
  timeoutMs?: number;
  /** Prefix for every key, so that tests and several deployments can share one server. */
  keyPrefix?: string;
}

/** For logs and messages: the URL without credentials, or the sentinels and the primary's name. */
export function describeRedisTarget(target: RedisTarget): string {
  if (typeof target === 'string') return redactCredentials(target);
  if (target.sentinels) {
    return `primary "${target.name ?? ''}" of sentinels ${target.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
  }
  return redactCredentials(target.url ?? '');
}

function settingName(target: RedisTarget): string {
  return typeof target !== 'string' && target.sentinels ? 'redis.sentinels / redis.name' : 'redis.url / REDIS_URL';
}

function createClient(target: RedisTarget, options: IoRedisOptions): Redis {
  if (typeof target === 'string') return new Redis(target, options);
  if (!target.sentinels) return new Redis(target.url ?? '', { ...options, ...(target.password ? { password: target.password } : {}) });
  return new Redis({
    ...options,
    sentinels: target.sentinels.map(({ host, port }) => ({ host, port })),
    name: target.name ?? '',
    ...(target.password ? { password: target.password } : {}),
    ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    // After a failover the old primary may come back as a replica: ask the sentinels again at every reconnection
    // (ioredis does), and also listen to their +switch-master so a live connection to a demoted server is dropped.
    failoverDetector: true,
    sentinelRetryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}

/**
 * Connects an ioredis client and waits for it. Commands fail fast while Redis is unreachable (no offline queue,
 * bounded retries) so that a request answers 503 instead of hanging; the client keeps reconnecting in the background,
 * through the Sentinels to whichever server is the primary now when they are configured.
 */
export async function connectRedis(target: RedisTarget, { logger, timeoutMs = 5_000, keyPrefix }: RedisOptions): Promise<Redis> {
  const redis = createClient(target, {
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
  redis.on('ready', () => {
    if (lastError) logger.info({ redis: describeRedisTarget(target) }, 'Redis connection restored');
    lastError = '';
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Redis: cannot connect to ${describeRedisTarget(target)} (${settingName(target)}): ${(error as Error).message}`);
  }
  logger.info({ redis: describeRedisTarget(target) }, 'Redis connected');
  return redis;
}

export async function pingRedis(redis: Redis): Promise<void> {
  const answer = await redis.ping();
  if (answer !== 'PONG') throw new Error(`unexpected PING answer ${answer}`);
}

/** Whether commands can be sent now; false while ioredis reconnects (they would fail at once without an offline queue). */
export function redisAvailable(redis: Redis): boolean {
  return redis.status === 'ready';
}

/**
 * QUIT, but never waiting for ever: with Sentinel, a client whose sentinels or primary are gone (a failover under
 * way, a test tearing down) may not get an answer, and shutting down must not hang on that.
 */
export async function closeRedis(redis: Redis, timeoutMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([redis.quit().then(() => undefined, () => undefined), timeout]);
  clearTimeout(timer);
  redis.disconnect();
}
