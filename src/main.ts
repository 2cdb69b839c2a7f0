import cluster from 'node:cluster';
import { ConfigError, loadConfig, type BrokerConfig } from './config/index.ts';
import { createLogger, type Logger } from './log/logger.ts';
import { READY_MESSAGE, superviseWorkers } from './process/worker-processes.ts';
import type { Tracing } from './tracing/start-tracing.ts';

// The entry point of `npm start` and the Docker image: configuration errors and unreachable stores end the
// process with one clear message instead of a stack trace. With `workers: N` (N > 1) this process forks N broker
// processes and supervises them (process/worker-processes.ts); each of them runs `serve`. `--check` (npm run check)
// validates the configuration and tries what it names instead of starting (check/check-command.ts).
async function main(): Promise<void> {
  if (process.argv.includes('--check')) {
    const { runCheck } = await import('./check/check-command.ts');
    const code = await runCheck(process.env, {
      out: (line) => console.log(line),
      error: (line) => console.error(line),
    });
    // Exit rather than wait for idle keep-alive sockets of the discovery requests to close.
    process.exit(code);
  }
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  if (config.workers > 1 && cluster.isPrimary) {
    warnAboutUpstreams(config, logger);
    try {
      await superviseWorkers(config.workers, logger);
    } catch (error) {
      logger.fatal((error as Error).message);
      console.error((error as Error).message);
      process.exit(1);
    }
    return;
  }
  await serve(config, logger);
}

/**
 * The upstream checks of `npm run check`, once per npm start (in the primary when there are workers), not at each
 * first sign-in; never blocks the start. Imported when needed: the checks load ioredis and mongodb, which tracing
 * must patch before anything loads them (serve).
 */
function warnAboutUpstreams(config: Readonly<BrokerConfig>, logger: Logger): void {
  import('./check/upstream-warnings.ts')
    .then(({ warnAboutUpstreams: warn }) => warn(config, logger))
    .catch((error: unknown) => logger.warn({ err: error }, 'upstream check failed'));
}

async function serve(config: Readonly<BrokerConfig>, logger: Logger): Promise<void> {
  // Tracing first, and the broker imported after it: the instrumentations patch ioredis, mongodb and node:http as
  // they are loaded (tracing/start-tracing.ts). Off unless an OTLP endpoint is configured.
  const endpoint = config.tracing.otlpEndpoint;
  let tracing: Tracing | undefined;
  if (endpoint) {
    // Loaded only when on: the SDK and the instrumentations cost start-up time and memory otherwise for nothing.
    const { startTracing } = await import('./tracing/start-tracing.ts');
    tracing = startTracing({ endpoint });
    logger.info({ otlpEndpoint: endpoint }, 'OpenTelemetry tracing on');
  }
  const { createBroker } = await import('./broker.ts');
  if (cluster.isPrimary) warnAboutUpstreams(config, logger);
  let broker;
  try {
    // Off by default: the benchmark asks for store request counts in the metrics (store/request-counters.ts).
    broker = await createBroker(config, logger, {
      countStoreRequests: process.env.BROKER_STORE_REQUEST_METRICS === '1',
      metricsOfAllWorkers: cluster.isWorker,
    });
  } catch (error) {
    logger.fatal((error as Error).message);
    console.error((error as Error).message);
    process.exit(1);
  }
  // Probes and the scraper use the management port; without one, /healthz and /readyz stay on the public port.
  await broker.start();
  logger.info(
    { issuer: config.issuer, port: config.port, managementPort: config.management.port },
    'Identity Broker listening',
  );
  process.send?.(READY_MESSAGE);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    broker
      .stop()
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // A worker whose primary is gone (killed without passing the signal on) stops rather than serve unsupervised.
  if (cluster.isWorker) process.once('disconnect', () => stop('disconnect'));
}

await main();
