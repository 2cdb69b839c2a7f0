import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Broker, BrokerParts } from '../../src/broker.ts';
import { parseConfig } from '../../src/config/index.ts';
import type { DemoUser } from '../../test/parties/demo-upstream.ts';
import { PORTAL, UPSTREAM_CLIENT, benchUsers } from './bench-parties.ts';
import { startLoopbackStack } from '../../test/parties/loopback-stack.ts';
import { seedLinkedAccount } from '../../test/parties/seed-linked-account.ts';

const MONGODB_URI = process.env.MONGODB_URI || 'mongodb://127.0.0.1:27017';

export interface LinkedUser {
  user: DemoUser;
  accountId: string;
}

export interface LoopbackSetup {
  broker: Broker;
  /** The broker's stores and provider, as its instrumentation seam handed them over. */
  parts: BrokerParts;
  brokerUrl: string;
  upstreamUrl: string;
  databaseName: string;
  /** Upstream users, each linked to an active customer account of its own (as `stack.seedLinkedAccount` does). */
  linked: LinkedUser[];
  close(): Promise<void>;
}

/**
 * The loopback stack of the tests and the demo (test/parties/loopback-stack.ts), in this process: the demo upstream
 * (Demo ID) and the broker on ports of their own, a MongoDB database of their own (dropped by `close`), the broker's
 * Redis in `redisUrl`.
 */
export async function startLoopbackSetup(redisUrl: string, userCount: number): Promise<LoopbackSetup> {
  const users = benchUsers(userCount);
  const keyDirectory = mkdtempSync(join(tmpdir(), 'ib-bench-keys-'));
  const databaseName = `ib_bench_${randomBytes(6).toString('hex')}`;
  const mongoUri = new URL(MONGODB_URI);
  mongoUri.pathname = `/${databaseName}`;
  let parts: BrokerParts | undefined;
  const stack = await startLoopbackStack({
    upstreamClient: UPSTREAM_CLIENT,
    users,
    brokerOptions: { instrument: (handed) => (parts = handed) },
    configure: ({ brokerUrl, upstreamUrl }) =>
      // Only the variables the configuration may name: the caller's MONGODB_URI / REDIS_URL must not override ours.
      parseConfig(
        {
          issuer: brokerUrl,
          mongodb: { uri: mongoUri.toString() },
          redis: { url: redisUrl },
          keys: { file: join(keyDirectory, 'jwks.json'), algorithm: 'ES256', generateIfMissing: true },
          cookieKeys: ['bench-cookie-key-0123456789abcdef0123456789'],
          upstreams: [{ id: 'demo', name: 'Demo ID', issuer: upstreamUrl, ...UPSTREAM_CLIENT }],
          clients: [
            { clientId: PORTAL.clientId, clientSecret: PORTAL.clientSecret, name: PORTAL.name, redirectUris: [PORTAL.redirectUri] },
          ],
          mail: { from: { email: 'accounts@example.com', name: 'Accounts' }, support: 'help@example.com', transport: 'dev' },
          logLevel: 'silent',
        },
        {},
      ),
  });
  if (!parts) throw new Error('the broker handed over no parts');

  const linked: LinkedUser[] = [];
  for (const user of users) {
    const accountId = await seedLinkedAccount(stack.db, {
      upstreamId: 'demo',
      issuer: stack.upstreamUrl,
      subject: user.sub,
      name: `${user.name} Ltd`,
      email: `billing+${user.sub}@example.com`,
      plans: [{ type: 'support', expiresAt: new Date(Date.now() + 365 * 86_400_000) }],
    });
    linked.push({ user, accountId });
  }

  return {
    broker: stack.broker,
    parts,
    brokerUrl: stack.brokerUrl,
    upstreamUrl: stack.upstreamUrl,
    databaseName,
    linked,
    async close() {
      await stack.db.dropDatabase().catch(() => undefined);
      await stack.close();
      rmSync(keyDirectory, { recursive: true, force: true });
    },
  };
}
