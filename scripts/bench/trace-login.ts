// `node scripts/bench/trace-login.ts`: one linked login after a warm-up, printing each HTTP request of it with the
// Redis commands and MongoDB operations the broker made for it (in this process, through its instrumentation seam),
// then one refresh grant the same way.
// What a login costs in store round trips, request by request: where to look before changing the hot path.
import { BenchRedis } from './bench-redis.ts';
import { OFFLINE_SCOPE } from './bench-parties.ts';
import { linkedLogin } from './linked-login.ts';
import { refresh } from './token-requests.ts';
import { startLoopbackSetup } from './loopback-setup.ts';
import type { Redis } from '../../src/store/redis.ts';

const redis = await BenchRedis.claim();
const setup = await startLoopbackSetup(redis.url, 2);
const log: string[] = [];
let current = '';
const client = setup.parts.redis as Redis;
const send = client.sendCommand.bind(client);
client.sendCommand = ((command: { name: string; args: unknown[] }, stream?: { isPipeline?: boolean }, ...rest: unknown[]) => {
  const pipelined = stream?.isPipeline === true;
  log.push(`${current}  redis ${pipelined ? '  |' : '->'} ${command.name} ${String(command.args[0] ?? '').slice(0, 40)}`);
  return (send as (...args: unknown[]) => unknown)(command, stream, ...rest);
}) as Redis['sendCommand'];
setup.parts.mongo.set('debug', (collection: string, method: string) => log.push(`${current}  mongo -> ${collection}.${method}`));
const realFetch = globalThis.fetch;
globalThis.fetch = ((input: URL | string, init?: RequestInit) => {
  const url = new URL(String(input));
  if (url.origin === setup.brokerUrl) current = `${init?.method ?? 'GET'} ${url.pathname.replace(/\/[A-Za-z0-9_-]{16,}/g, '/:id')}`;
  return realFetch(input, init);
}) as typeof fetch;
try {
  const [first, second] = setup.linked;
  if (!first || !second) throw new Error('no users');
  await linkedLogin({ brokerUrl: setup.brokerUrl, upstreamUrl: setup.upstreamUrl }, first);
  await linkedLogin({ brokerUrl: setup.brokerUrl, upstreamUrl: setup.upstreamUrl }, second);
  log.length = 0;
  await linkedLogin({ brokerUrl: setup.brokerUrl, upstreamUrl: setup.upstreamUrl }, first);
  console.log(log.join('\n'));
  // Pipelined commands (MULTI blocks) show as `|`: each block is one round trip more.
  const trips = log.filter((l) => l.includes('redis ->')).length + log.filter((l) => / exec $/.test(l)).length;
  console.log(`Redis round trips ${trips}, commands ${log.filter((l) => l.includes('redis')).length}, MongoDB ${log.filter((l) => l.includes('mongo')).length}`);
  const { refresh_token: token } = await linkedLogin({ brokerUrl: setup.brokerUrl, upstreamUrl: setup.upstreamUrl }, first, { scope: OFFLINE_SCOPE, prompt: 'consent' });
  const rotated = await refresh(setup.brokerUrl, token ?? '');
  log.length = 0;
  await refresh(setup.brokerUrl, rotated.refresh_token ?? '');
  console.log(log.join('\n'));
} finally {
  await setup.close();
  await redis.release();
}
