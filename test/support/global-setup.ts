import {
  DEFAULT_MONGODB_URI,
  DEFAULT_REDIS_URL,
  ServiceError,
  redisClusterUp,
  servicesUp,
} from '../../scripts/lib/local-services.ts';
import { registerClusterRun } from './cluster-lock.ts';

// Jest runs this once before all test files: the integration tests need a real Redis and MongoDB-wire server.
// Whatever this setup starts, the teardown stops; services already running are left alone.
export default async function globalSetup(): Promise<void> {
  console.log(`\nTests run on Node ${process.version}`);
  const started = await servicesUp({
    redisUrl: process.env.REDIS_URL || DEFAULT_REDIS_URL,
    mongodbUri: process.env.MONGODB_URI || DEFAULT_MONGODB_URI,
    log: (line) => console.log(line),
  });
  // The Redis Cluster tier (the adapter's contract, a story, failover) runs on 127.0.0.1:7101-7106. Without
  // redis-server the run stops here with the one line saying what to install, rather than skipping that tier.
  // Another checkout's run may use the same cluster (the ports are the machine's): registered, so that whichever
  // run started it stops it only once nobody uses it (global-teardown.ts).
  const releaseCluster = registerClusterRun();
  try {
    const cluster = await redisClusterUp((line) => console.log(line));
    (globalThis as { __startedCluster?: unknown[] }).__startedCluster = cluster;
  } catch (error) {
    releaseCluster();
    if (error instanceof ServiceError) throw new Error(error.message);
    throw error;
  }
  (globalThis as { __releaseCluster?: unknown }).__releaseCluster = releaseCluster;
  (globalThis as { __startedServices?: unknown[] }).__startedServices = started;
}
