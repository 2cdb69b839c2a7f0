import type { BrokerConfig } from '../config/index.ts';
import { createLogger } from '../log/logger.ts';
import { connectMongo } from '../store/mongo.ts';
import { closeRedis, connectRedis, describeRedisTarget } from '../store/redis.ts';
import { redactCredentials } from '../store/errors.ts';
import type { CheckProblem } from './check-problem.ts';

const STORE_TIMEOUT_MS = 3_000;
const quiet = createLogger('silent');

/** Connects to MongoDB as the broker would at start-up, then lets go. */
export async function checkMongo(config: Pick<BrokerConfig, 'mongodb'>): Promise<CheckProblem[]> {
  try {
    const connection = await connectMongo(config.mongodb.uri, { logger: quiet, timeoutMs: STORE_TIMEOUT_MS });
    await connection.close();
    return [];
  } catch (error) {
    return [
      {
        key: 'mongodb.uri',
        problem: `nothing answers at ${redactCredentials(config.mongodb.uri)} (${lastLine(error)})`,
        fix: 'start MongoDB there, or set mongodb.uri (or MONGODB_URI) to where it runs',
      },
    ];
  }
}

/** Connects to Redis (one server or through the Sentinels) as the broker would at start-up, then lets go. */
export async function checkRedis(config: Pick<BrokerConfig, 'redis'>): Promise<CheckProblem[]> {
  try {
    const redis = await connectRedis(config.redis, { logger: quiet, timeoutMs: STORE_TIMEOUT_MS });
    await closeRedis(redis);
    return [];
  } catch (error) {
    const sentinels = Boolean(config.redis.sentinels);
    return [
      {
        key: sentinels ? 'redis.sentinels' : 'redis.url',
        problem: `nothing answers at ${describeRedisTarget(config.redis)} (${lastLine(error)})`,
        fix: sentinels
          ? 'start the Sentinels, or correct redis.sentinels and redis.name'
          : 'start Redis there, or set redis.url (or REDIS_URL) to where it runs',
      },
    ];
  }
}

/** The driver's own reason, without the "cannot connect to ..." our connect functions put in front of it. */
function lastLine(error: unknown): string {
  const message = (error as Error).message;
  const own = message.lastIndexOf('): ');
  return ((own >= 0 ? message.slice(own + 3) : message).split('\n')[0] ?? '').slice(0, 200);
}
