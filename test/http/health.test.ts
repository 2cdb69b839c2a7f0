import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import mongoose from 'mongoose';
import { createBroker, VIEWS_DIR, type Broker } from '../../src/broker.ts';
import { parseConfig, type BrokerConfig } from '../../src/config/index.ts';
import { createApp } from '../../src/http/app.ts';
import { createViewRenderer } from '../../src/web/views.ts';
import { connectMongo, pingMongo } from '../../src/store/mongo.ts';
import { pingRedis } from '../../src/store/redis.ts';
import { REDIS_URL, openTestRedis, silentLogger, uniqueMongoUri } from '../support/stores.ts';
import { baseConfigDocument, brokerTranslator } from '../support/config.ts';

async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('health endpoints', () => {
  let broker: Broker;
  let base: string;
  let config: Readonly<BrokerConfig>;

  beforeAll(async () => {
    const port = await closedPort();
    base = `http://127.0.0.1:${port}`;
    config = parseConfig(baseConfigDocument({ issuer: base }), { MONGODB_URI: uniqueMongoUri(), REDIS_URL });
    broker = await createBroker(config, silentLogger);
    await broker.start({ port, host: '127.0.0.1', management: false });
  });
  afterAll(async () => {
    await broker.stop();
    const db = await connectMongo(config.mongodb.uri, { logger: silentLogger });
    await db.dropDatabase();
    await db.close();
  });

  it('/healthz answers while the process is alive', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 when MongoDB and Redis both answer', async () => {
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', checks: { mongodb: 'ok', redis: 'ok' } });
  });

  it('/readyz answers 503 naming MongoDB when MONGODB_URI points at a closed port', async () => {
    const port = await closedPort();
    const redis = await openTestRedis();
    const unreachable = mongoose.createConnection(`mongodb://127.0.0.1:${port}/none`, {
      serverSelectionTimeoutMS: 300,
    });
    unreachable.on('error', () => undefined);
    const app = createApp({
      issuer: 'http://127.0.0.1',
      proxyTrust: null,
      cookieKeys: ['x'.repeat(32)],
      logger: silentLogger,
      views: createViewRenderer(VIEWS_DIR, brokerTranslator()),
      readiness: [
        { name: 'mongodb', check: () => pingMongo(unreachable) },
        { name: 'redis', check: () => pingRedis(redis.redis) },
      ],
    });
    const server = createHttpServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        status: 'unavailable',
        checks: { mongodb: 'failing', redis: 'ok' },
        failing: ['mongodb'],
      });
    } finally {
      server.close();
      await unreachable.close();
      await redis.dispose();
    }
  });

  it('fails to connect to an unreachable MongoDB with one line naming the setting (what npm start prints)', async () => {
    const port = await closedPort();
    const config = parseConfig(baseConfigDocument(), { MONGODB_URI: `mongodb://127.0.0.1:${port}/none`, REDIS_URL });
    await expect(connectMongo(config.mongodb.uri, { logger: silentLogger, timeoutMs: 300 })).rejects.toThrow(
      /^MongoDB: cannot connect to mongodb:\/\/127\.0\.0\.1:\d+\/none \(mongodb\.uri \/ MONGODB_URI\)/,
    );
  });

  it('answers an unknown path with an HTML page for browsers and JSON for programs', async () => {
    const page = await fetch(`${base}/no-such-page`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('The page you asked for does not exist.');
    const api = await fetch(`${base}/no-such-page`, { headers: { accept: 'application/json' } });
    expect(await api.json()).toEqual({
      error: 'not_found',
      error_description: 'The page you asked for does not exist.',
    });
  });

  it('sets security headers and a request id on every response', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
