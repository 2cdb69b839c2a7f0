import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Koa from 'koa';
import type { Connection } from 'mongoose';
import type { BrokerConfig } from './config/index.ts';
import { createApp } from './http/app.ts';
import { assetRoutes } from './http/routes/assets.ts';
import { createViewRenderer } from './http/views.ts';
import type { Logger } from './log/logger.ts';
import { connectMongo, pingMongo } from './store/mongo.ts';
import { connectRedis, pingRedis, type Redis } from './store/redis.ts';

export const VIEWS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../views');

export interface Broker {
  app: Koa;
  mongo: Connection;
  redis: Redis;
  /** Starts listening; resolves with the server once it accepts connections. */
  listen(port?: number, host?: string): Promise<Server>;
  /** Stops accepting requests, lets those in flight finish (bounded), then closes the stores. */
  close(): Promise<void>;
}

/** Composition root: connects the stores and wires every part into one koa app. */
export async function createBroker(config: Readonly<BrokerConfig>, logger: Logger): Promise<Broker> {
  const mongo = await connectMongo(config.mongodb.uri, { logger });
  let redis: Redis;
  try {
    redis = await connectRedis(config.redis.url, { logger });
  } catch (error) {
    await mongo.close();
    throw error;
  }
  const views = createViewRenderer(VIEWS_DIR);
  const app = createApp({
    cookieKeys: config.cookieKeys,
    trustProxy: config.trustProxy,
    logger,
    views,
    readiness: [
      { name: 'mongodb', check: () => pingMongo(mongo) },
      { name: 'redis', check: () => pingRedis(redis) },
    ],
    formTargets: [...config.upstreams.map((u) => u.issuer), ...config.clients.flatMap((c) => c.redirectUris)],
    routers: [assetRoutes(VIEWS_DIR)],
  });

  let server: Server | undefined;
  return {
    app,
    mongo,
    redis,
    listen(port = config.port, host) {
      const created = createServer(app.callback());
      server = created;
      return new Promise((resolve, reject) => {
        created.once('error', reject);
        created.listen(port, host, () => resolve(created));
      });
    },
    async close() {
      if (server) {
        const closing = new Promise<void>((resolve) => server?.close(() => resolve()));
        server.closeIdleConnections();
        const grace = setTimeout(() => server?.closeAllConnections(), 10_000);
        await closing;
        clearTimeout(grace);
      }
      await Promise.allSettled([mongo.close(), redis.quit()]);
    },
  };
}
