import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { directoryChangesOver } from '../../src/accounts/directory-changes.ts';
import type { Broker, BrokerOptions } from '../../src/broker.ts';
import { parseConfig, type BrokerConfig } from '../../src/config/index.ts';
import { DEMO_USERS, type DemoUser } from '../parties/demo-upstream.ts';
import { baseConfigDocument } from './config.ts';
import { REDIS_URL, silentLogger, uniqueMongoUri } from './stores.ts';
import type { Logger } from '../../src/log/logger.ts';
import { closeRedis, connectRedis } from '../../src/store/redis.ts';
import { startLoopbackStack } from '../parties/loopback-stack.ts';
import { seedAccount, seedLinkedAccount } from '../parties/seed-linked-account.ts';

export const PORTAL_REDIRECT = 'http://127.0.0.1:9/customersource/callback';
export const PARTNER_REDIRECT = 'http://127.0.0.1:9/partnersource/callback';
export const UPSTREAM_CLIENT = { clientId: 'identity-broker', clientSecret: 'upstream-client-secret' };

/** The portals every stack knows: CustomerSource, PartnerSource (needs a support plan), Third Party (asks consent). */
export const TEST_CLIENTS = [
  {
    clientId: 'customersource',
    clientSecret: 'customersource-secret-0123456789',
    name: 'CustomerSource',
    redirectUris: [PORTAL_REDIRECT],
    postLogoutRedirectUris: ['http://127.0.0.1:9/customersource/'],
  },
  {
    clientId: 'partnersource',
    clientSecret: 'partnersource-secret-0123456789',
    name: 'PartnerSource',
    redirectUris: [PARTNER_REDIRECT],
    requires: { plans: ['support'] },
  },
  {
    clientId: 'thirdparty',
    clientSecret: 'thirdparty-secret-0123456789',
    name: 'Third Party',
    redirectUris: ['http://127.0.0.1:9/thirdparty/callback'],
    consent: true,
  },
] as const;

export interface Stack {
  broker: Broker;
  config: Readonly<BrokerConfig>;
  brokerUrl: string;
  upstreamUrl: string;
  /** The stack's own connection to the broker's database: for seeding and for looking at what the broker stored. */
  db: Connection;
  /** Creates a customer account (not linked to anything); returns its id. */
  seedAccount(account: {
    name: string;
    email: string | readonly string[];
    customerNumber: string;
    plans?: Array<{ type: string; expiresAt: Date }>;
  }): Promise<string>;
  /** Creates a customer account and links `user`'s upstream identity to it; returns the account id. */
  seedLinkedAccount(
    user: DemoUser,
    account?: { plans?: Array<{ type: string; expiresAt: Date }>; email?: string },
  ): Promise<string>;
  /**
   * After the test changed people or accounts in `db` behind the broker's back: announces it as another broker
   * process would, so that the broker drops what it cached (otherwise the change shows after accountCacheTtl).
   */
  directoryChanged(): Promise<void>;
  /** A second broker process behind the same address (see LoopbackStack.addBrokerProcess). */
  addBrokerProcess(): Promise<Broker>;
  /** Which broker process answers from now on: 0 the first, 1 the one added. */
  answer(process: number): void;
  close(): Promise<void>;
}

/**
 * The whole loopback setup of the integration tests: the demo upstream IdP and the broker on their own ports,
 * a database of their own in the real MongoDB-wire server, the real Redis. Portals are played by the test.
 */
/** Stores and log of a stack, for tests of outages and fail-overs: a Redis or MongoDB of their own, a logger that keeps lines. */
export interface StackStores {
  /** Instead of the shared MongoDB-wire server (a database of its own on it is used otherwise). */
  mongodbUri?: string;
  /** Instead of the shared Redis; '' leaves `redis` entirely to the configuration overrides (Sentinel). */
  redisUrl?: string;
  logger?: Logger;
  /** The broker's parts, for a test that must break a store in a way no outage produces (createBroker's seam). */
  instrument?: BrokerOptions['instrument'];
  /** The people Demo ID knows, instead of DEMO_USERS. */
  users?: readonly DemoUser[];
}

/** Overrides of the test configuration; a function when they need the stack's URLs (the console's upstream). */
export type ConfigOverrides =
  Record<string, unknown> | ((urls: { brokerUrl: string; upstreamUrl: string }) => Record<string, unknown>);

export async function startStack(configOverrides: ConfigOverrides = {}, stores: StackStores = {}): Promise<Stack> {
  const stack = await startLoopbackStack({
    upstreamClient: UPSTREAM_CLIENT,
    logger: stores.logger ?? silentLogger,
    ...(stores.instrument ? { brokerOptions: { instrument: stores.instrument } } : {}),
    ...(stores.users ? { users: stores.users } : {}),
    configure: ({ brokerUrl, upstreamUrl }) =>
      parseConfig(
        baseConfigDocument({
          issuer: brokerUrl,
          upstreams: [{ id: 'demo', name: 'Demo ID', issuer: upstreamUrl, ...UPSTREAM_CLIENT }],
          clients: TEST_CLIENTS,
          // Keys of their own: rate-limit counters (per IP: always 127.0.0.1 here) must not carry over between stacks.
          redis: { url: REDIS_URL, keyPrefix: `ibtest:${randomBytes(6).toString('hex')}:` },
          ...(typeof configOverrides === 'function' ? configOverrides({ brokerUrl, upstreamUrl }) : configOverrides),
        }),
        { MONGODB_URI: stores.mongodbUri ?? uniqueMongoUri(), REDIS_URL: stores.redisUrl ?? REDIS_URL },
      ),
  });
  return {
    broker: stack.broker,
    config: stack.config,
    brokerUrl: stack.brokerUrl,
    upstreamUrl: stack.upstreamUrl,
    db: stack.db,
    seedAccount(account) {
      return seedAccount(stack.db, account);
    },
    seedLinkedAccount(user, account = {}) {
      return seedLinkedAccount(stack.db, {
        upstreamId: 'demo',
        issuer: stack.upstreamUrl,
        subject: user.sub,
        name: `${user.name} Ltd`,
        email: account.email ?? `billing+${user.sub}@example.com`,
        plans: account.plans ?? [],
      });
    },
    addBrokerProcess: () => stack.addBrokerProcess(),
    answer: (process) => stack.answer(process),
    async directoryChanged() {
      const { keyPrefix } = stack.config.redis;
      const redis = await connectRedis(stack.config.redis, { logger: silentLogger, keyPrefix });
      const changes = await directoryChangesOver(redis, { logger: silentLogger, keyPrefix });
      await changes.announce();
      await Promise.all([changes.close(), closeRedis(redis)]);
    },
    async close() {
      await stack.db.dropDatabase().catch(() => undefined);
      await stack.close();
    },
  };
}

export function demoUser(sub: string): DemoUser {
  const user = DEMO_USERS.find((u) => u.sub.startsWith(sub));
  if (!user) throw new Error(`no demo user ${sub}`);
  return user;
}
