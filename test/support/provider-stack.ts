import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { connectMongo } from '../../src/store/mongo.ts';
import { createBroker, type Broker } from '../../src/broker.ts';
import { parseConfig, type BrokerConfig } from '../../src/config/index.ts';
import { closeServer, listenOnLoopback } from '../parties/loopback-server.ts';
import { seedAccount, seedLinkedAccount, type LinkedAccountSeed } from '../parties/seed-linked-account.ts';
import type { Logger } from '../../src/log/logger.ts';
import { baseConfigDocument } from './config.ts';
import { mailOf, startSendGridSink, type SendGridSink, type SentMail } from './sendgrid-sink.ts';

export type { SentMail };
import { REDIS_URL, silentLogger, uniqueMongoUri } from './stores.ts';
import { TEST_CLIENTS } from './stack.ts';

/** A party the broker federates to, started once the broker's callback URL is known. */
export interface UpstreamParty {
  /** The `upstreams[]` entry for the broker's configuration. */
  entry: Record<string, unknown>;
  close(): Promise<void>;
}

export interface ProviderStack {
  broker: Broker;
  config: Readonly<BrokerConfig>;
  brokerUrl: string;
  /** The stack's own connection to the broker's database. */
  db: Connection;
  sink: SendGridSink;
  seedAccount(account: { name: string; email: string; customerNumber: string }): Promise<string>;
  /** An account with the upstream identity already linked, as a confirmed association leaves it. */
  seedLinkedIdentity(seed: Omit<LinkedAccountSeed, 'name'>): Promise<string>;
  /** Runs the outbox worker once; returns the e-mails the SendGrid sink received meanwhile. */
  deliverMail(): Promise<SentMail[]>;
  close(): Promise<void>;
}

/**
 * The broker federating to the given upstream parties (provider doubles), with the test portals, its own
 * database, Redis keys of its own and a SendGrid sink. `upstreams` receives the broker's base URL, so each party
 * can register `{broker}/upstream/{id}/callback` as its redirect URI.
 */
export async function startProviderStack(
  upstreams: (brokerUrl: string) => Promise<UpstreamParty[]>,
  overrides: Record<string, unknown> = {},
  logger: Logger = silentLogger,
): Promise<ProviderStack> {
  const sink = await startSendGridSink({ apiKey: 'SG.provider-test' });
  const brokerServer = await listenOnLoopback();
  const parties = await upstreams(brokerServer.url);
  const config = parseConfig(
    baseConfigDocument({
      issuer: brokerServer.url,
      upstreams: parties.map((p) => p.entry),
      clients: TEST_CLIENTS,
      redis: { url: REDIS_URL, keyPrefix: `ibtest:${randomBytes(6).toString('hex')}:` },
      mail: {
        from: { email: 'accounts@broker.example', name: 'Customer Accounts' },
        support: 'help@broker.example',
        transport: 'sendgrid',
        sendgrid: { apiKey: 'SG.provider-test', baseUrl: sink.url },
      },
      linking: { limits: { perIdentity: 50, perAddress: 50, perIp: 500 } },
      ...overrides,
    }),
    { MONGODB_URI: uniqueMongoUri(), REDIS_URL },
  );
  const broker = await createBroker(config, logger);
  brokerServer.server.on('request', broker.app.callback());
  const db = await connectMongo(config.mongodb.uri, { logger });
  return {
    broker,
    config,
    brokerUrl: brokerServer.url,
    db,
    sink,
    seedAccount(account) {
      return seedAccount(db, account);
    },
    seedLinkedIdentity(seed) {
      return seedLinkedAccount(db, { name: 'Zoe & Co', ...seed });
    },
    async deliverMail() {
      const before = sink.received.length;
      await broker.deliverMail();
      return sink.received.slice(before).map(mailOf);
    },
    async close() {
      await closeServer(brokerServer.server);
      await Promise.all(parties.map((p) => p.close()));
      await db.dropDatabase().catch(() => undefined);
      await broker.stop();
      await db.close();
      await sink.close();
    },
  };
}
