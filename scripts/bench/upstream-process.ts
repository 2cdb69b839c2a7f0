// The demo upstream (Demo ID) as a process of its own for `npm run bench`: BENCH_UPSTREAM names its port, the
// broker's callback URL and the number of bench users; prints "ready" once it listens.
import { createServer } from 'node:http';
import { createDemoUpstream } from '../../test/parties/demo-upstream.ts';
import { UPSTREAM_CLIENT, benchUsers } from './bench-parties.ts';

const { port, callbackUrl, users } = JSON.parse(process.env.BENCH_UPSTREAM ?? '{}') as { port: number; callbackUrl: string; users: number };
const upstream = await createDemoUpstream({
  issuer: `http://127.0.0.1:${port}`,
  clients: [{ ...UPSTREAM_CLIENT, redirectUris: [callbackUrl] }],
  users: benchUsers(users),
});
const server = createServer(upstream.callback);
server.keepAliveTimeout = 30_000;
await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
console.log('ready');
process.once('SIGTERM', () => process.exit(0));
