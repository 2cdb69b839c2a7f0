// npm run services -- up | down | up --redis-cluster | --redis-cluster   (see scripts/lib/local-services.ts)
import {
  DEFAULT_MONGODB_URI,
  DEFAULT_REDIS_URL,
  ServiceError,
  redisClusterUp,
  servicesDown,
  servicesUp,
} from './lib/local-services.ts';

const args = process.argv.slice(2);
const cluster = args.includes('--redis-cluster');
const command = args.find((arg) => !arg.startsWith('--')) ?? (cluster ? 'up' : undefined);
const log = (line: string) => console.log(line);

try {
  if (command === 'up') {
    await servicesUp({
      redisUrl: process.env.REDIS_URL || DEFAULT_REDIS_URL,
      mongodbUri: process.env.MONGODB_URI || DEFAULT_MONGODB_URI,
      log,
    });
    // The 3-primary, 3-replica Redis Cluster on 127.0.0.1:7101-7106 (REDIS_CLUSTER_NODES for the broker).
    if (cluster) await redisClusterUp(log);
  } else if (command === 'down') {
    await servicesDown(undefined, log);
  } else {
    console.error('usage: npm run services -- up [--redis-cluster] | down');
    process.exitCode = 2;
  }
} catch (error) {
  if (!(error instanceof ServiceError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
