import type { Connection } from 'mongoose';
import type { WebhookConfig } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import { webhookDeliveriesAdmin, type WebhookDeliveriesAdmin } from './delivery-admin.ts';
import { WebhookDeliveryWorker } from './delivery-worker.ts';
import { createEventPublisher, type EventPublisher } from './event-publisher.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.ts';
import type { WebhookDeliveryStore } from './webhook-deliveries.ts';
import { MongoWebhookDeliveryStore } from './webhook-delivery-store.ts';
import { webhookEndpoints, type ReadSecretFile } from './webhook-endpoints.ts';
import { createWebhookSender, type ResolveHost } from './webhook-sender.ts';

export interface WebhookEventsOptions {
  /** `config.webhooks`. */
  webhooks: readonly WebhookConfig[];
  /** Where deliveries are kept (unless `store` is given). */
  mongo?: Connection;
  logger: Logger;
  /** The broker's counters (BrokerMetrics): tries by type and outcome, events that could not be stored. */
  metrics?: {
    webhookAttempts?: { inc(labels: { type: string; outcome: string }): void };
    webhookPublishFailures?: { inc(labels: { type: string }): void };
  };
  /** Tests and tuning; the defaults are what production runs. */
  delivery?: Partial<DeliverySettings>;
  /** Instead of MongoDB (tests of the flows that publish). */
  store?: WebhookDeliveryStore;
  /** Tests: instead of reading `secretFile`s and instead of DNS. */
  readSecretFile?: ReadSecretFile;
  resolve?: ResolveHost;
}

export interface DeliverySettings {
  policy: RetryPolicy;
  /** Per try; Standard Webhooks recommends 15 to 30 s. */
  timeoutMs: number;
  pollIntervalMs: number;
  concurrency: number;
  workerId: string | undefined;
  leaseMs: number | undefined;
  publishWaitMs: number | undefined;
}

const DEFAULTS: DeliverySettings = {
  policy: DEFAULT_RETRY_POLICY,
  timeoutMs: 15_000,
  pollIntervalMs: 5_000,
  concurrency: 4,
  workerId: undefined,
  leaseMs: undefined,
  publishWaitMs: undefined,
};

/** The events part of a broker, for the composition root. */
export interface WebhookEvents {
  /** What flows call: `publish(type, data)`. A no-op without configured endpoints. */
  readonly publisher: EventPublisher;
  /** What the admin API and the console call: failed deliveries, one delivery, replay. */
  readonly deliveries: WebhookDeliveriesAdmin;
  readonly worker: WebhookDeliveryWorker;
  /** Starts the worker's polling (not without endpoints: there is nowhere to deliver to). */
  start(): void;
  /** Stops polling after the try in progress and waits for events still being stored. */
  stop(): Promise<void>;
  /** One pass now (commands and tests that cannot wait for the poll); resolves with the deliveries made. */
  deliverNow(now?: Date): Promise<number>;
}

/**
 * Builds the publisher, the delivery worker and the admin view from the configuration. Reads `secretFile`s
 * (throwing a ConfigError naming the key) and creates the collections' indexes; without endpoints nothing is
 * published, and the worker does not poll, but failed deliveries from an earlier configuration can still be read.
 */
export async function createWebhookEvents(options: WebhookEventsOptions): Promise<WebhookEvents> {
  const settings: DeliverySettings = { ...DEFAULTS, ...options.delivery };
  const endpoints = webhookEndpoints(options.webhooks, options.readSecretFile);
  let store = options.store;
  if (!store) {
    if (!options.mongo) throw new Error('createWebhookEvents: a MongoDB connection (or a store) is required');
    const mongoStore = new MongoWebhookDeliveryStore(options.mongo);
    await mongoStore.ensureIndexes(options.logger);
    store = mongoStore;
  }
  const publisher = createEventPublisher({
    endpoints,
    store,
    logger: options.logger,
    ...(options.metrics?.webhookPublishFailures ? { failuresCounter: options.metrics.webhookPublishFailures } : {}),
    ...(settings.publishWaitMs !== undefined ? { waitMs: settings.publishWaitMs } : {}),
  });
  const worker = new WebhookDeliveryWorker({
    store,
    endpoints,
    send: createWebhookSender(options.resolve ? { resolve: options.resolve } : {}),
    logger: options.logger,
    policy: settings.policy,
    timeoutMs: settings.timeoutMs,
    pollIntervalMs: settings.pollIntervalMs,
    concurrency: settings.concurrency,
    ...(options.metrics?.webhookAttempts ? { attemptsCounter: options.metrics.webhookAttempts } : {}),
    ...(settings.workerId !== undefined ? { workerId: settings.workerId } : {}),
    ...(settings.leaseMs !== undefined ? { leaseMs: settings.leaseMs } : {}),
  });
  return {
    publisher,
    deliveries: webhookDeliveriesAdmin(store),
    worker,
    start() {
      if (endpoints.size > 0) worker.start();
    },
    async stop() {
      await worker.stop();
      await publisher.settle();
    },
    deliverNow(now) {
      return worker.runOnce(now);
    },
  };
}
