import type { Connection } from 'mongoose';
import type { Redis } from '../../src/store/redis.ts';

export interface StoreCounts {
  redisCommands: number;
  /** Round trips: commands sent alone, plus one per MULTI/EXEC block. */
  redisRoundTrips: number;
  mongoOperations: number;
}

/**
 * Counts what the broker asks of its stores, by wrapping its own ioredis client's `sendCommand` and through
 * mongoose's per-connection `debug` hook; instruments these instances only, in this process, and changes no
 * behaviour. Divided by the requests of a run it tells how many store round trips one request costs.
 */
export class StoreCounters {
  readonly #counts: StoreCounts = { redisCommands: 0, redisRoundTrips: 0, mongoOperations: 0 };

  constructor(redis: Redis, mongo: Connection) {
    const counts = this.#counts;
    const send = redis.sendCommand.bind(redis);
    redis.sendCommand = ((command: Parameters<Redis['sendCommand']>[0], stream?: unknown, ...rest: unknown[]) => {
      counts.redisCommands += 1;
      const inPipeline = (stream as { isPipeline?: boolean } | undefined)?.isPipeline === true;
      if (!inPipeline || command.name === 'exec') counts.redisRoundTrips += 1;
      return (send as (...args: unknown[]) => unknown)(command, stream, ...rest);
    }) as Redis['sendCommand'];
    mongo.set('debug', () => {
      counts.mongoOperations += 1;
    });
  }

  snapshot(): StoreCounts {
    return { ...this.#counts };
  }
}
