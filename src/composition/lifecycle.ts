import { createServer, type Server } from 'node:http';
import type Koa from 'koa';
import type { Connection } from 'mongoose';
import type { DirectoryChanges } from '../accounts/directory-changes.ts';
import type { BrokerConfig } from '../config/index.ts';
import type { WebhookEvents } from '../events/webhook-events.ts';
import type { OutboxWorker } from '../mail/outbox-worker.ts';
import { closeRedis, type Redis } from '../store/redis.ts';

export interface StartOptions {
  /** The public listener (`port` of the configuration by default, all interfaces). */
  port?: number;
  host?: string;
  /** The management listener (`management.port`/`.host` by default; not started when the configuration has none). */
  management?: { port?: number; host?: string } | false;
}

export interface StartedBroker {
  server: Server;
  management: Server | undefined;
}

/** What a broker is to whoever runs it: two applications, and a lifecycle. Its parts stay inside. */
export interface Broker {
  /** Portals, people and upstream providers talk to this application. */
  readonly app: Koa;
  /** /healthz, /readyz and /metrics for operators (`management.port`), off the public listener. */
  readonly managementApp: Koa;
  /** Starts the listeners and the background workers; resolves once the listeners accept connections. */
  start(options?: StartOptions): Promise<StartedBroker>;
  /** Starts only the background workers (the outbox), for a broker served through `app.callback()` elsewhere. */
  startWorkers(): void;
  /**
   * Delivers what the outbox holds now (as of `now`): a flush for commands and tests that cannot wait for the poll.
   * Resolves with the number of messages sent.
   */
  deliverMail(now?: Date): Promise<number>;
  /** Delivers the webhook events due now: the same flush for webhooks. Resolves with the deliveries made. */
  deliverWebhooks(now?: Date): Promise<number>;
  /** Stops accepting requests, lets those in flight finish (bounded), stops the workers, then closes the stores. */
  stop(): Promise<void>;
}

export interface LifecycleParts {
  app: Koa;
  managementApp: Koa;
  mailWorker: OutboxWorker;
  webhooks: WebhookEvents;
  mongo: Connection;
  redis: Redis;
  changes: DirectoryChanges;
}

/** Requests in flight get this long after SIGTERM before their connections are closed. */
const GRACE_MS = 10_000;

/** Listeners, the outbox worker and the stores, started and stopped in the order that loses no request or e-mail. */
export function brokerLifecycle(config: Readonly<BrokerConfig>, parts: LifecycleParts): Broker {
  const { app, managementApp, mailWorker, webhooks, mongo, redis, changes } = parts;
  const servers: Server[] = [];
  const listen = (application: Koa, port: number, host: string | undefined) =>
    new Promise<Server>((resolve, reject) => {
      const created = createServer(application.callback());
      created.once('error', reject);
      created.listen(port, host, () => resolve(created));
      servers.push(created);
    });
  const close = async (server: Server) => {
    const closing = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const grace = setTimeout(() => server.closeAllConnections(), GRACE_MS);
    await closing;
    clearTimeout(grace);
  };

  return {
    app,
    managementApp,
    async start(start = {}) {
      const server = await listen(app, start.port ?? config.port, start.host);
      const managementPort =
        start.management === false ? undefined : (start.management?.port ?? config.management.port);
      const management =
        start.management === false || managementPort === undefined
          ? undefined
          : await listen(managementApp, managementPort, start.management?.host ?? config.management.host);
      mailWorker.start();
      webhooks.start();
      return { server, management };
    },
    startWorkers() {
      mailWorker.start();
      webhooks.start();
    },
    deliverMail(now) {
      return mailWorker.runOnce(now);
    },
    deliverWebhooks(now) {
      return webhooks.deliverNow(now);
    },
    async stop() {
      await Promise.all([mailWorker.stop(), webhooks.stop()]);
      await Promise.all(servers.map(close));
      await Promise.allSettled([mongo.close(), closeRedis(redis), changes.close()]);
    },
  };
}
