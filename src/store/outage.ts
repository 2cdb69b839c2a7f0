import mongoose, { type Connection } from 'mongoose';
import { redisAvailable, type Redis } from './redis.ts';

/** A store the broker cannot work without, with a cheap question: can it take commands right now? */
export interface StoreStatus {
  name: 'mongodb' | 'redis';
  available(): boolean;
}

export function storeStatuses(mongo: Connection, redis: Redis): StoreStatus[] {
  return [
    // The driver reports a lost server at once (the connection leaves `connected`), and reconnects by itself.
    { name: 'mongodb', available: () => mongo.readyState === mongoose.ConnectionStates.connected },
    { name: 'redis', available: () => redisAvailable(redis) },
  ];
}

// Errors of the MongoDB driver and of mongoose that mean "no server to talk to", not "the query was wrong".
const MONGO_OUTAGE_NAMES = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

// ioredis' messages when a command cannot reach the server (no offline queue, one retry, command timeout).
const REDIS_OUTAGE_MESSAGES = [
  "Stream isn't writeable",
  'Connection is closed',
  'Command timed out',
  'Reached the max retries per request limit',
  'connect ECONNREFUSED',
  'All sentinels are unreachable',
  // A Redis Cluster while a primary fails over, or with no node reachable.
  'CLUSTERDOWN',
  "Cluster isn't ready",
  'Failed to refresh slots cache',
  'Too many Cluster redirections',
];

/**
 * Names the store an error comes from when the error means that store is unreachable (`mongodb`, `redis`), so that
 * the person sees "temporarily unavailable" (503) rather than a generic failure; undefined for any other error.
 */
export function storeOutageOf(error: unknown): 'mongodb' | 'redis' | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    if (MONGO_OUTAGE_NAMES.has(current.name) || /buffering timed out/.test(current.message)) return 'mongodb';
    if (
      current.name === 'MaxRetriesPerRequestError' ||
      REDIS_OUTAGE_MESSAGES.some((m) => current.message.includes(m))
    ) {
      return 'redis';
    }
  }
  return undefined;
}
