import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';

/**
 * With `workers: N`, a scrape of the management port reaches one worker (node:cluster hands out connections), yet
 * must show all of them. The worker that takes the scrape asks the primary; the primary asks every worker for its
 * registry (as JSON), adds the figures up with prom-client's AggregatorRegistry and answers with the exposition.
 * Counters and histograms are summed; figures that only mean something per process (event loop lag, heap, memory)
 * keep one series per worker, labelled `worker`.
 */
const SCRAPE = 'identity-broker:metrics-scrape';
const SCRAPED = 'identity-broker:metrics-scraped';
const COLLECT = 'identity-broker:metrics-collect';
const COLLECTED = 'identity-broker:metrics-collected';
const WORKER_ANSWER_MS = 3_000;
const PRIMARY_ANSWER_MS = 10_000;

const PER_PROCESS =
  /^broker_(nodejs_eventloop_lag|nodejs_heap|nodejs_external_memory|process_resident_memory|process_heap)/;

interface Message {
  type?: string;
  id?: string;
  text?: string;
  metrics?: MetricObjectWithValues<MetricValue<string>>[];
  error?: string;
}

/** The metrics of the process's own registry, labelled by worker where a figure is per process. */
function labelled(metrics: MetricObjectWithValues<MetricValue<string>>[], worker: string) {
  return metrics.map((metric) =>
    PER_PROCESS.test(metric.name)
      ? {
          ...metric,
          aggregator: 'first' as const,
          values: metric.values.map((value) => ({ ...value, labels: { ...value.labels, worker } })),
        }
      : metric,
  );
}

/**
 * In a worker: answers the primary's collection requests with `registry`, and returns what /metrics serves — the
 * sum over every worker, asked of the primary.
 */
export function metricsOfAllWorkers(registry: Registry): () => Promise<string> {
  const waiting = new Map<string, { resolve(text: string): void; reject(error: Error): void }>();
  process.on('message', (message: Message) => {
    if (message.type === COLLECT && message.id) {
      void registry.getMetricsAsJSON().then((metrics) => process.send?.({ type: COLLECTED, id: message.id, metrics }));
    } else if (message.type === SCRAPED && message.id) {
      const answer = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error !== undefined) answer?.reject(new Error(message.error));
      else answer?.resolve(message.text ?? '');
    }
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('the primary process did not answer the metrics scrape'));
      }, PRIMARY_ANSWER_MS);
      waiting.set(id, {
        resolve: (text) => (clearTimeout(timer), resolve(text)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      process.send?.({ type: SCRAPE, id });
    });
}

/** In the primary: serves the workers' scrapes with the metrics of every live worker added up. */
export function aggregateWorkerMetrics(): void {
  const collecting = new Map<string, (metrics: MetricObjectWithValues<MetricValue<string>>[]) => void>();
  cluster.on('message', (worker, message: Message) => {
    if (message.type === COLLECTED && message.id) {
      collecting.get(`${worker.id}:${message.id}`)?.(message.metrics ?? []);
      return;
    }
    if (message.type !== SCRAPE || !message.id) return;
    const id = message.id;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected());
    const answers = workers.map(
      (each) =>
        new Promise<MetricObjectWithValues<MetricValue<string>>[]>((resolve) => {
          const key = `${each.id}:${id}`;
          // A worker that does not answer in time (dying, stuck) is left out rather than holding the scrape.
          const timer = setTimeout(() => {
            collecting.delete(key);
            resolve([]);
          }, WORKER_ANSWER_MS);
          collecting.set(key, (metrics) => {
            clearTimeout(timer);
            collecting.delete(key);
            resolve(labelled(metrics, String(each.id)));
          });
          each.send({ type: COLLECT, id });
        }),
    );
    void Promise.all(answers)
      .then((perWorker) => AggregatorRegistry.aggregate(perWorker.filter((metrics) => metrics.length > 0)).metrics())
      .then(
        (text) => worker.send({ type: SCRAPED, id, text }),
        (error: unknown) => worker.send({ type: SCRAPED, id, error: (error as Error).message }),
      );
  });
}
