import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { createLogger } from '../../src/log/logger.ts';
import { connectMongo } from '../../src/store/mongo.ts';
import { connectRedis, type Redis } from '../../src/store/redis.ts';

export const MONGODB_URI = process.env.MONGODB_URI || 'mongodb://127.0.0.1:27017';
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
export const silentLogger = createLogger('silent');

/**
 * A database of its own for one test file: parallel jest workers never share data, and FerretDB's SQLite backend
 * takes one writer per database file.
 */
export function uniqueMongoUri(prefix = 'ib_test'): string {
  const url = new URL(MONGODB_URI);
  url.pathname = `/${prefix}_${randomBytes(6).toString('hex')}`;
  return url.toString();
}

export interface TestMongo {
  uri: string;
  connection: Connection;
  dispose(): Promise<void>;
}

export async function openTestMongo(): Promise<TestMongo> {
  const uri = uniqueMongoUri();
  const connection = await connectMongo(uri, { logger: silentLogger });
  return {
    uri,
    connection,
    async dispose() {
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  };
}

export interface TestRedis {
  redis: Redis;
  keyPrefix: string;
  dispose(): Promise<void>;
}

/** A Redis client whose keys all carry a prefix of their own, removed again by `dispose`. */
export async function openTestRedis(): Promise<TestRedis> {
  const keyPrefix = `ibtest:${randomBytes(6).toString('hex')}:`;
  const redis = await connectRedis(REDIS_URL, { logger: silentLogger, keyPrefix });
  return {
    redis,
    keyPrefix,
    async dispose() {
      // keyPrefix is not applied to SCAN patterns or to the keys it returns.
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys.map((key) => key.slice(keyPrefix.length)));
      await redis.quit();
    },
  };
}
