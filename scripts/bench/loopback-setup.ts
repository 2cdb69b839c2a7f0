import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBroker, type Broker } from '../../src/broker.ts';
import { parseConfig } from '../../src/config/index.ts';
import { createDemoUpstream, type DemoUser } from '../../test/parties/demo-upstream.ts';
import { createLogger } from '../../src/log/logger.ts';
import { PORTAL, UPSTREAM_CLIENT, benchUsers } from './bench-parties.ts';
import { closeServer, listenOnLoopback } from '../../test/parties/loopback-server.ts';
import { seedLinkedAccount } from '../../test/parties/seed-linked-account.ts';

const MONGODB_URI = process.env.MONGODB_URI || 'mongodb://127.0.0.1:27017';

export interface LinkedUser {
  user: DemoUser;
  accountId: string;
}

export interface LoopbackSetup {
  broker: Broker;
  brokerUrl: string;
  upstreamUrl: string;
  databaseName: string;
  /** Upstream users, each linked to an active customer account of its own (as `stack.seedLinkedAccount` does). */
  linked: LinkedUser[];
  close(): Promise<void>;
}

/**
 * The whole loopback setup of the integration tests, in this process: the demo upstream (Demo ID) and the broker on
 * ports of their own, a MongoDB database of their own (dropped by `close`), the broker's Redis in `redisUrl`.
 */
export async function startLoopbackSetup(redisUrl: string, userCount: number): Promise<LoopbackSetup> {
  const users = benchUsers(userCount);
  const upstreamServer = await listenOnLoopback();
  const brokerServer = await listenOnLoopback();
  const upstream = await createDemoUpstream({
    issuer: upstreamServer.url,
    clients: [{ ...UPSTREAM_CLIENT, redirectUris: [`${brokerServer.url}/upstream/demo/callback`] }],
    users,
  });
  upstreamServer.server.on('request', upstream.callback);

  const keyDirectory = mkdtempSync(join(tmpdir(), 'ib-bench-keys-'));
  const databaseName = `ib_bench_${randomBytes(6).toString('hex')}`;
  const mongoUri = new URL(MONGODB_URI);
  mongoUri.pathname = `/${databaseName}`;
  const document = {
    issuer: brokerServer.url,
    mongodb: { uri: mongoUri.toString() },
    redis: { url: redisUrl },
    keys: { file: join(keyDirectory, 'jwks.json'), algorithm: 'ES256', generateIfMissing: true },
    cookieKeys: ['bench-cookie-key-0123456789abcdef0123456789'],
    upstreams: [{ id: 'demo', name: 'Demo ID', issuer: upstreamServer.url, ...UPSTREAM_CLIENT }],
    clients: [
      { clientId: PORTAL.clientId, clientSecret: PORTAL.clientSecret, name: PORTAL.name, redirectUris: [PORTAL.redirectUri] },
    ],
    mail: { from: { email: 'accounts@example.com', name: 'Accounts' }, support: 'help@example.com', transport: 'dev' },
    logLevel: 'silent',
  };
  // Only the variables the configuration may name: the caller's MONGODB_URI / REDIS_URL must not override ours.
  const config = parseConfig(document, {});
  const broker = await createBroker(config, createLogger('silent'));
  brokerServer.server.on('request', broker.app.callback());

  const linked: LinkedUser[] = [];
  for (const user of users) {
    const accountId = await seedLinkedAccount(broker.mongo, {
      upstreamId: 'demo',
      issuer: upstreamServer.url,
      subject: user.sub,
      name: `${user.name} Ltd`,
      email: `billing+${user.sub}@example.com`,
      plans: [{ type: 'support', expiresAt: new Date(Date.now() + 365 * 86_400_000) }],
    });
    linked.push({ user, accountId });
  }

  return {
    broker,
    brokerUrl: brokerServer.url,
    upstreamUrl: upstreamServer.url,
    databaseName,
    linked,
    async close() {
      await Promise.all([closeServer(brokerServer.server), closeServer(upstreamServer.server)]);
      await broker.mongo.dropDatabase().catch(() => undefined);
      await broker.close();
      rmSync(keyDirectory, { recursive: true, force: true });
    },
  };
}
