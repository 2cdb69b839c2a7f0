// npm run demo: local services, the demo upstream IdP (:3001), the broker (:3000) and two demo portals
// (:3002 CustomerSource, :3003 PartnerSource requiring a support plan), with demo customer accounts.
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/log/logger.ts';
import { createDemoPortal } from '../test/parties/demo-portal.ts';
import { DEMO_STAFF, DEMO_USERS } from '../test/parties/demo-upstream.ts';
import { closeServer, listenOnPort } from '../test/parties/loopback-server.ts';
import { startLoopbackStack } from '../test/parties/loopback-stack.ts';
import { DEFAULT_MONGODB_URI, DEFAULT_REDIS_URL, servicesUp } from './lib/local-services.ts';
import { resetDemoRedis } from './lib/demo-redis-reset.ts';
import { NotADemoDatabase, seedDemoAccounts } from './lib/demo-accounts.ts';

const env: NodeJS.ProcessEnv = { ...process.env, BROKER_CONFIG: process.env.BROKER_CONFIG || 'config/demo.yaml' };
await servicesUp({
  redisUrl: env.REDIS_URL || DEFAULT_REDIS_URL,
  mongodbUri: env.MONGODB_URI || DEFAULT_MONGODB_URI,
  log: (line) => console.log(line),
});
const config = loadConfig(env);
// The same Redis state at every start too: sessions, login transactions and rate-limit counters of earlier runs go.
await resetDemoRedis(config.redis, config.redis.keyPrefix);
const upstreamConfig = config.upstreams[0];
if (!upstreamConfig?.clientSecret) throw new Error('config/demo.yaml names no upstream with a client secret');

const stack = await startLoopbackStack({
  configure: () => config,
  upstreamClient: { clientId: upstreamConfig.clientId, clientSecret: upstreamConfig.clientSecret },
  ports: { broker: config.port, upstream: Number(new URL(upstreamConfig.issuer).port) },
  users: [...DEMO_USERS, DEMO_STAFF],
  logger: createLogger(config.logLevel),
});
try {
  await seedDemoAccounts(stack.db, upstreamConfig);
} catch (error) {
  if (!(error instanceof NotADemoDatabase)) throw error;
  console.error(error.message);
  await stack.close();
  process.exit(1);
}
await stack.broker.startWorkers();

const portals = await Promise.all(
  config.clients.map(async (client) => {
    const baseUrl = new URL(client.redirectUris[0] ?? '').origin;
    const portal = createDemoPortal({
      baseUrl,
      issuer: config.issuer,
      clientId: client.clientId,
      clientSecret: client.clientSecret ?? '',
      name: client.name,
    });
    const { server } = await listenOnPort(Number(new URL(baseUrl).port));
    server.on('request', portal.callback);
    return { client, baseUrl, server };
  }),
);

console.log(`
Identity Broker demo is running.

  Open a portal:   ${portals.map((p) => `${p.baseUrl}  (${p.client.name}${p.client.requires ? `, requires ${p.client.requires.plans.join('/')}` : ''})`).join('\n                   ')}
  Broker:          ${config.issuer}   (health: ${config.issuer}/readyz)
  Dev mailbox:     ${config.issuer}/dev/mailbox   (the e-mails the broker "sends")
  Support console: ${config.issuer}/admin   (sign in as ${DEMO_STAFF.email}, password demo)
  Demo ID users:   ${DEMO_USERS.map((u) => u.email).join(', ')}  (password: demo)
                   alice acts for two customers, Alice Corp and Northwind Traders: she chooses at sign-in
                   (PartnerSource needs a support plan, which only Alice Corp has).
                   bob and carol are not linked yet: sign in as carol, enter office@carol.example (Carol & Co's
                   registered address), open the link from the dev mailbox and sign in as carol again.
                   Bob Industries has two contacts, it@ and purchasing@bob-industries.example: bob and a
                   colleague each link their own sign-in to the same customer.

Every start begins from the same demo data. Stop with Ctrl-C (local Redis/FerretDB keep running: npm run services -- down).`);

const stop = () => {
  void Promise.all(portals.map((p) => closeServer(p.server)))
    .then(() => stack.close())
    .then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
