// npm run demo: local services, the demo upstream IdP (:3001), the broker (:3000) and two demo portals
// (:3002 CustomerSource, :3003 PartnerSource requiring a support plan), with demo customer accounts.
import { createServer, type RequestListener } from 'node:http';
import { createBroker } from '../src/broker.ts';
import { loadConfig } from '../src/config/index.ts';
import { createDemoPortal } from '../test/parties/demo-portal.ts';
import { createDemoUpstream, DEMO_USERS } from '../test/parties/demo-upstream.ts';
import { createLogger } from '../src/log/logger.ts';
import { DEFAULT_MONGODB_URI, DEFAULT_REDIS_URL, servicesUp } from './lib/local-services.ts';
import { resetDemoRedis } from './lib/demo-redis-reset.ts';
import { seedDemoAccounts } from './lib/demo-accounts.ts';

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
if (!upstreamConfig) throw new Error('config/demo.yaml names no upstream');

function listen(port: number, callback: RequestListener) {
  return new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const server = createServer(callback);
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === 'EADDRINUSE' ? `port ${port} is in use: stop what runs there` : error.message)),
    );
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const upstream = await createDemoUpstream({
  issuer: upstreamConfig.issuer,
  clients: [
    {
      clientId: upstreamConfig.clientId,
      clientSecret: upstreamConfig.clientSecret ?? '',
      redirectUris: [`${config.issuer}/upstream/${upstreamConfig.id}/callback`],
    },
  ],
});
const servers = [await listen(Number(new URL(upstreamConfig.issuer).port), upstream.callback)];

const broker = await createBroker(config, createLogger(config.logLevel));
await seedDemoAccounts(broker.mongo, upstreamConfig);
servers.push(await broker.listen(config.port, '127.0.0.1'));

const portals = config.clients.map((client) => {
  const baseUrl = new URL(client.redirectUris[0] ?? '').origin;
  const portal = createDemoPortal({ baseUrl, issuer: config.issuer, clientId: client.clientId, clientSecret: client.clientSecret ?? '', name: client.name });
  return { client, baseUrl, portal };
});
for (const { baseUrl, portal } of portals) servers.push(await listen(Number(new URL(baseUrl).port), portal.callback));

console.log(`
Identity Broker demo is running.

  Open a portal:   ${portals.map((p) => `${p.baseUrl}  (${p.client.name}${p.client.requires ? `, requires ${p.client.requires.plans.join('/')}` : ''})`).join('\n                   ')}
  Broker:          ${config.issuer}   (health: ${config.issuer}/readyz)
  Dev mailbox:     ${config.issuer}/dev/mailbox   (the e-mails the broker "sends")
  Demo ID users:   ${DEMO_USERS.map((u) => u.email).join(', ')}  (password: demo)
                   alice is linked to Alice Corp (support plan). bob and carol are not linked yet: sign in as
                   carol, enter office@carol.example (Carol & Co's registered address), open the link from the
                   dev mailbox and sign in as carol again; bob's account is it@bob-industries.example.

Every start begins from the same demo data. Stop with Ctrl-C (local Redis/FerretDB keep running: npm run services -- down).`);

const stop = () => {
  for (const server of servers) server.close();
  void broker.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
