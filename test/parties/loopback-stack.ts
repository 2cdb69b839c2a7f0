import type { Connection } from 'mongoose';
import { createBroker, type Broker, type BrokerOptions } from '../../src/broker.ts';
import type { BrokerConfig } from '../../src/config/index.ts';
import type { Logger } from '../../src/log/logger.ts';
import { createLogger } from '../../src/log/logger.ts';
import { connectMongo } from '../../src/store/mongo.ts';
import { createDemoUpstream, type DemoUpstream, type DemoUser } from './demo-upstream.ts';
import { closeServer, listenOnLoopback, listenOnPort } from './loopback-server.ts';

export interface LoopbackStackOptions {
  /** The broker's configuration, once its own URL and the demo upstream's are known. */
  configure(urls: { brokerUrl: string; upstreamUrl: string }): Readonly<BrokerConfig>;
  /** The broker's client at the demo upstream; its redirect URIs are `{broker}/upstream/demo/callback` and `{broker}/admin/callback`. */
  upstreamClient: { clientId: string; clientSecret: string };
  users?: readonly DemoUser[];
  /** Fixed ports (the demo); free loopback ports when left out (tests, the benchmark). */
  ports?: { broker: number; upstream: number };
  logger?: Logger;
  /** Passed on to createBroker (instrumentation of the broker's stores). */
  brokerOptions?: BrokerOptions;
}

export interface LoopbackStack {
  broker: Broker;
  config: Readonly<BrokerConfig>;
  brokerUrl: string;
  upstreamUrl: string;
  upstream: DemoUpstream;
  /** A connection of the stack's own to the broker's database, for seeding and for looking at what it stored. */
  db: Connection;
  /**
   * Another broker process behind the same address, as `workers: N` or a load balancer has it: the same
   * configuration, stores and keys, and nothing else shared (its own caches and connections). `answer()` says which
   * process serves the requests from then on (0 is the first broker).
   */
  addBrokerProcess(): Promise<Broker>;
  answer(process: number): void;
  close(): Promise<void>;
}

/**
 * The whole loopback set-up, written once for the tests, the demo and the benchmark: the demo upstream (Demo ID)
 * and the broker, each on a loopback port of its own, with the broker's configuration built for those URLs.
 */
export async function startLoopbackStack(options: LoopbackStackOptions): Promise<LoopbackStack> {
  const upstreamServer = options.ports ? await listenOnPort(options.ports.upstream) : await listenOnLoopback();
  const brokerServer = options.ports ? await listenOnPort(options.ports.broker) : await listenOnLoopback();
  const upstream = await createDemoUpstream({
    issuer: upstreamServer.url,
    // Demo ID also plays the company's staff directory for the support console (`admin.console.upstream`).
    clients: [
      {
        ...options.upstreamClient,
        redirectUris: [`${brokerServer.url}/upstream/demo/callback`, `${brokerServer.url}/admin/callback`],
      },
    ],
    ...(options.users ? { users: options.users } : {}),
  });
  upstreamServer.server.on('request', upstream.callback);
  const config = options.configure({ brokerUrl: brokerServer.url, upstreamUrl: upstreamServer.url });
  const logger = options.logger ?? createLogger('silent');
  const broker = await createBroker(config, logger, options.brokerOptions);
  const processes = [broker];
  const handlers = [broker.app.callback()];
  let answering = 0;
  brokerServer.server.on('request', (request, response) => handlers[answering]!(request, response));
  const db = await connectMongo(config.mongodb.uri, { logger });
  return {
    broker,
    config,
    brokerUrl: brokerServer.url,
    upstreamUrl: upstreamServer.url,
    upstream,
    db,
    async addBrokerProcess() {
      const another = await createBroker(config, logger, options.brokerOptions);
      processes.push(another);
      handlers.push(another.app.callback());
      return another;
    },
    answer(process) {
      if (!handlers[process]) throw new Error(`no broker process ${process}`);
      answering = process;
    },
    async close() {
      await Promise.all([closeServer(brokerServer.server), closeServer(upstreamServer.server)]);
      await Promise.all(processes.map((p) => p.stop()));
      await db.close();
    },
  };
}
