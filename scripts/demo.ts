// npm run demo: local services, then the broker on config/demo.yaml.
import { createBroker } from '../src/broker.ts';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/log/logger.ts';
import { DEFAULT_MONGODB_URI, DEFAULT_REDIS_URL, servicesUp } from './lib/local-services.ts';

const env: NodeJS.ProcessEnv = { ...process.env, BROKER_CONFIG: process.env.BROKER_CONFIG || 'config/demo.yaml' };
await servicesUp({
  redisUrl: env.REDIS_URL || DEFAULT_REDIS_URL,
  mongodbUri: env.MONGODB_URI || DEFAULT_MONGODB_URI,
  log: (line) => console.log(line),
});
const config = loadConfig(env);
const broker = await createBroker(config, createLogger(config.logLevel));
await broker.listen(config.port, '127.0.0.1');
console.log(`\nIdentity Broker demo: ${config.issuer}/readyz`);
const stop = () => void broker.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
