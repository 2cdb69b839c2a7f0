import { DEFAULT_MONGODB_URI, DEFAULT_REDIS_URL, servicesUp } from '../../scripts/lib/local-services.ts';

// Jest runs this once before all test files: the integration tests need a real Redis and MongoDB-wire server.
// Whatever this setup starts, the teardown stops; services already running are left alone.
export default async function globalSetup(): Promise<void> {
  console.log(`\nTests run on Node ${process.version}`);
  const started = await servicesUp({
    redisUrl: process.env.REDIS_URL || DEFAULT_REDIS_URL,
    mongodbUri: process.env.MONGODB_URI || DEFAULT_MONGODB_URI,
    log: (line) => console.log(line),
  });
  (globalThis as { __startedServices?: unknown[] }).__startedServices = started;
}
