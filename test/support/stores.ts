import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { createLogger } from '../../src/log/logger.ts';
import { connectMongo } from '../../src/store/mongo.ts';
import { REDIS_CLUSTER_NODES } from '../../scripts/lib/local-services.ts';
import { connectRedis, isCluster, type Redis } from '../../src/store/redis.ts';
import { holdCluster } from './cluster-lock.ts';

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

/** The local Redis Cluster that jest's global setup starts (npm run services -- --redis-cluster). */
export const TEST_CLUSTER = { cluster: { nodes: REDIS_CLUSTER_NODES } };

/** The shapes of Redis the store tests run against: one server, and the cluster. */
export const REDIS_SHAPES = [
  ['one Redis server', REDIS_URL],
  ['a Redis Cluster', TEST_CLUSTER],
] as const;

/** Every key under `prefix` (with the prefix): on a cluster, KEYS answers for one node only, so each primary is asked. */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  if (!isCluster(redis)) return redis.keys(`${prefix}*`);
  const perNode = await Promise.all(redis.nodes('master').map((node) => node.keys(`${prefix}*`)));
  return perNode.flat();
}

/** A Redis client whose keys all carry a prefix of their own, removed again by `dispose`. */
export async function openTestRedis(target: string | typeof TEST_CLUSTER = REDIS_URL): Promise<TestRedis> {
  const keyPrefix = `ibtest:${randomBytes(6).toString('hex')}:`;
  // Not while the failover test breaks the cluster (cluster-lock.ts).
  const release = typeof target === 'string' ? () => undefined : await holdCluster('shared');
  const redis = await connectRedis(target, { logger: silentLogger, keyPrefix });
  return {
    redis,
    keyPrefix,
    async dispose() {
      // keyPrefix is not applied to SCAN patterns or to the keys it returns. One DEL per key: on a cluster the keys
      // are in different slots.
      const keys = await keysUnder(redis, keyPrefix);
      await Promise.all(keys.map((key) => redis.del(key.slice(keyPrefix.length))));
      await redis.quit();
      release();
    },
  };
}
