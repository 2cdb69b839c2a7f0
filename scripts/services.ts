// npm run services -- up | down   (see scripts/lib/local-services.ts)
import { DEFAULT_MONGODB_URI, DEFAULT_REDIS_URL, ServiceError, servicesDown, servicesUp } from './lib/local-services.ts';

const command = process.argv[2];
const log = (line: string) => console.log(line);

try {
  if (command === 'up') {
    await servicesUp({
      redisUrl: process.env.REDIS_URL || DEFAULT_REDIS_URL,
      mongodbUri: process.env.MONGODB_URI || DEFAULT_MONGODB_URI,
      log,
    });
  } else if (command === 'down') {
    await servicesDown(undefined, log);
  } else {
    console.error('usage: npm run services -- up | down');
    process.exitCode = 2;
  }
} catch (error) {
  if (!(error instanceof ServiceError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
