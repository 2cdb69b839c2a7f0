import { Redis } from 'ioredis';

/**
 * The Redis database the benchmark gives the broker: a numbered database of its own (default 15), so every key in
 * it was written by the benchmark's broker, and the footprint and the clean-up can go by pattern over the whole
 * database without touching the keys of tests or the demo (database 0). A marker key says the database is ours; a
 * database holding other keys without it is refused rather than cleared.
 */
export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/15';
const MARKER = 'identity-broker-bench:owner';
const SCAN_BATCH = 500;

export class BenchRedis {
  readonly url = BENCH_REDIS_URL;
  readonly #redis: Redis;

  private constructor(redis: Redis) {
    this.#redis = redis;
  }

  /** Connects to the database and claims it: empty (or left by an interrupted run of this benchmark). */
  static async claim(): Promise<BenchRedis> {
    const redis = new Redis(BENCH_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: 10_000 });
    await redis.connect();
    const bench = new BenchRedis(redis);
    const size = await redis.dbsize();
    if (size > 0 && (await redis.exists(MARKER)) === 0) {
      await redis.quit();
      throw new Error(`${BENCH_REDIS_URL} holds ${size} keys that are not the benchmark's: set BENCH_REDIS_URL to an empty database`);
    }
    await bench.clear();
    return bench;
  }

  /** Every key of the database except the marker (the broker's keys only). */
  async keys(pattern = '*'): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    for (let round = 0; round < 100_000; round += 1) {
      const [nextCursor, batch] = await this.#redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH);
      found.push(...batch.filter((key) => key !== MARKER));
      cursor = nextCursor;
      if (cursor === '0') break;
    }
    return found;
  }

  /** Bytes Redis attributes to each key (`MEMORY USAGE key SAMPLES 0`: every element counted); 0 for a key gone since. */
  async memoryUsage(keys: readonly string[]): Promise<number[]> {
    const sizes: number[] = [];
    for (let i = 0; i < keys.length; i += SCAN_BATCH) {
      const pipeline = this.#redis.pipeline();
      for (const key of keys.slice(i, i + SCAN_BATCH)) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
      for (const [error, size] of (await pipeline.exec()) ?? []) sizes.push(error ? 0 : Number(size ?? 0));
    }
    return sizes;
  }

  /** Remaining time to live of each key in milliseconds (-1: none, -2: gone). */
  async ttlsMs(keys: readonly string[]): Promise<number[]> {
    const ttls: number[] = [];
    for (let i = 0; i < keys.length; i += SCAN_BATCH) {
      const pipeline = this.#redis.pipeline();
      for (const key of keys.slice(i, i + SCAN_BATCH)) pipeline.pttl(key);
      for (const [error, ttl] of (await pipeline.exec()) ?? []) ttls.push(error ? -2 : Number(ttl));
    }
    return ttls;
  }

  /** Deletes every key the broker wrote, by pattern over the dedicated database, and re-sets the marker. */
  async clear(): Promise<number> {
    const keys = await this.keys();
    for (let i = 0; i < keys.length; i += SCAN_BATCH) await this.#redis.unlink(...keys.slice(i, i + SCAN_BATCH));
    // No TTL: after an interrupted run it must outlive the broker's keys, so that the next run may clear them.
    await this.#redis.set(MARKER, 'scripts/bench');
    return keys.length;
  }

  /** Removes the broker's keys and the marker, leaving the database empty. */
  async release(): Promise<void> {
    await this.clear();
    await this.#redis.del(MARKER);
    await this.#redis.quit();
  }
}
