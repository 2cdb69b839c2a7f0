import { closeRedis, connectRedis, type RedisTarget } from '../../src/store/redis.ts';
import { createLogger } from '../../src/log/logger.ts';

/**
 * Deletes every key under the demo's own prefix (sessions, login transactions, rate-limit counters of earlier runs),
 * so each `npm run demo` starts from the same state in Redis as in MongoDB. Refuses without a prefix: a shared
 * Redis must never be emptied by a demo.
 */
export async function resetDemoRedis(target: RedisTarget, keyPrefix: string): Promise<number> {
  if (!keyPrefix)
    throw new Error('the demo resets Redis only under its own redis.keyPrefix (config/demo.yaml sets "ib-demo:")');
  const redis = await connectRedis(target, { logger: createLogger('silent') });
  try {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    await closeRedis(redis);
  }
}
