import type { Connection } from 'mongoose';
import { Counter, type Registry } from 'prom-client';
import type { Redis } from './redis.ts';

/**
 * Counts what the broker asks of its stores, for the benchmark (`npm run bench`) and for an operator who wants to
 * see the cost of a sign-in: Redis commands and round trips (a command sent alone, or a whole MULTI/EXEC block
 * or pipeline, is one), and MongoDB operations. Off unless asked for (`BROKER_STORE_REQUEST_METRICS=1`): it wraps
 * the Redis client's command path and turns on mongoose's per-operation hook.
 */
export function countStoreRequests(stores: { redis: Redis; mongo: Connection }, registry: Registry): void {
  const commands = new Counter({
    name: 'broker_redis_commands_total',
    help: 'Redis commands sent',
    registers: [registry],
  });
  const roundTrips = new Counter({
    name: 'broker_redis_round_trips_total',
    help: 'Redis round trips: commands sent alone, plus one per pipeline or MULTI/EXEC block',
    registers: [registry],
  });
  const mongoOperations = new Counter({
    name: 'broker_mongodb_operations_total',
    help: 'MongoDB operations',
    registers: [registry],
  });
  const { redis, mongo } = stores;
  const send = redis.sendCommand.bind(redis);
  // A pipeline hands its commands to sendCommand one by one with itself as the stream, and flushes them in one
  // write: its first command starts the round trip.
  const counted = new WeakSet<object>();
  redis.sendCommand = ((command: Parameters<Redis['sendCommand']>[0], stream?: unknown, ...rest: unknown[]) => {
    commands.inc();
    const pipeline = stream as { isPipeline?: boolean } | undefined;
    if (pipeline?.isPipeline !== true) roundTrips.inc();
    else if (!counted.has(pipeline)) {
      counted.add(pipeline);
      roundTrips.inc();
    }
    return (send as (...args: unknown[]) => unknown)(command, stream, ...rest);
  }) as Redis['sendCommand'];
  mongo.set('debug', () => mongoOperations.inc());
}
