import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { resetDemoRedis } from '../../scripts/lib/demo-redis-reset.ts';
import { REDIS_URL } from '../support/stores.ts';

describe('npm run demo starts from the same Redis state', () => {
  const redis = new Redis(REDIS_URL);
  afterAll(() => redis.quit());

  it('deletes every key under the demo prefix, rate-limit counters included, and nothing else', async () => {
    const prefix = `ibtest-demo:${randomBytes(4).toString('hex')}:`;
    const neighbour = `ibtest-neighbour:${randomBytes(4).toString('hex')}`;
    await redis.set(`${prefix}rl:assoc:ip:127.0.0.1`, '30');
    await redis.set(`${prefix}oidc:Session:abc`, '{}');
    await redis.set(neighbour, 'kept');

    expect(await resetDemoRedis(REDIS_URL, prefix)).toBe(2);
    expect(await redis.exists(`${prefix}rl:assoc:ip:127.0.0.1`, `${prefix}oidc:Session:abc`)).toBe(0);
    expect(await redis.get(neighbour)).toBe('kept');
    await redis.del(neighbour);
  });

  it('refuses to empty a Redis without a prefix of its own', async () => {
    await expect(resetDemoRedis(REDIS_URL, '')).rejects.toThrow(/only under its own redis\.keyPrefix/);
  });
});
