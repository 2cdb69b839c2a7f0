import { ConfigError, loadConfig } from './config/index.ts';
import { createBroker } from './broker.ts';
import { createLogger } from './log/logger.ts';

// The entry point of `npm start` and the Docker image: configuration errors and unreachable stores end the
// process with one clear message instead of a stack trace.
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  let broker;
  try {
    broker = await createBroker(config, logger);
  } catch (error) {
    logger.fatal((error as Error).message);
    console.error((error as Error).message);
    process.exit(1);
  }
  // Probes and the scraper use the management port; without one, /healthz and /readyz stay on the public port.
  await broker.start();
  logger.info({ issuer: config.issuer, port: config.port, managementPort: config.management.port }, 'Identity Broker listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    broker.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

await main();
