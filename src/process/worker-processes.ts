import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../log/logger.ts';
import { aggregateWorkerMetrics } from '../metrics/worker-metrics.ts';

/** What a worker tells the primary once its listeners accept connections. */
export const READY_MESSAGE = 'identity-broker:ready';

const RESTART_DELAY_MS = 1_000;

/**
 * The primary of `workers: N`: forks N broker processes that share the listening ports (node:cluster hands out the
 * connections), Redis and MongoDB, and serves nothing itself. The first worker starts alone, so that the start-up
 * migration and index creation run once before the others begin; if a worker fails before it is ready, the whole
 * start fails as a single process would. A worker that dies later is replaced. SIGTERM/SIGINT are passed on to
 * every worker, which stops as a single broker does (in-flight requests finish, the outbox worker hands back its
 * lease), and the primary exits once they all have. The primary also adds up the workers' metrics for /metrics.
 */
export async function superviseWorkers(count: number, logger: Logger): Promise<void> {
  let stopping = false;
  const live = new Set<Worker>();
  // A scrape that reaches any worker shows every worker's figures, added up here.
  aggregateWorkerMetrics();

  const fork = () =>
    new Promise<Worker>((resolve, reject) => {
      const worker = cluster.fork();
      live.add(worker);
      let ready = false;
      worker.on('message', (message: unknown) => {
        if (message !== READY_MESSAGE) return;
        ready = true;
        resolve(worker);
      });
      worker.once('exit', (code, signal) => {
        live.delete(worker);
        if (!ready)
          return reject(new Error(`a broker worker stopped during start-up (${signal ?? `exit code ${code}`})`));
        if (stopping) return;
        logger.error({ pid: worker.process.pid, code, signal }, 'broker worker died; starting another');
        setTimeout(
          () =>
            void fork().catch((error: unknown) => logger.error({ err: error }, 'restarting a broker worker failed')),
          RESTART_DELAY_MS,
        );
      });
    });

  const stopAll = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const worker of live) worker.process.kill(signal);
  };
  const exited = () =>
    new Promise<void>((resolve) => {
      if (live.size === 0) resolve();
      cluster.on('exit', () => live.size === 0 && resolve());
    });

  try {
    await fork();
    await Promise.all(Array.from({ length: count - 1 }, fork));
  } catch (error) {
    stopAll('SIGTERM');
    await exited();
    throw error;
  }
  logger.info({ workers: count, pids: [...live].map((w) => w.process.pid) }, 'broker workers ready');

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    logger.info({ signal }, 'stopping broker workers');
    stopAll(signal);
    void exited().then(() => process.exit(0));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
