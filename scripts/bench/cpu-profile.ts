import type { Profiler } from 'node:inspector';
import { Session } from 'node:inspector/promises';

export interface CpuShare {
  category: string;
  percent: number;
  /** CPU milliseconds of this category per unit of work (request or login). */
  msPerUnit: number;
}

// Package (or source folder) → what it does for a request.
const CATEGORIES: Record<string, string> = {
  mongodb: 'MongoDB driver (mongoose, bson)',
  bson: 'MongoDB driver (mongoose, bson)',
  mongoose: 'MongoDB driver (mongoose, bson)',
  kareem: 'MongoDB driver (mongoose, bson)',
  mquery: 'MongoDB driver (mongoose, bson)',
  ioredis: 'Redis client (ioredis)',
  'redis-parser': 'Redis client (ioredis)',
  '@ioredis/commands': 'Redis client (ioredis)',
  denque: 'Redis client (ioredis)',
  'standard-as-callback': 'Redis client (ioredis)',
  jose: 'JWT sign/verify (jose)',
  'oidc-provider': 'oidc-provider',
  'openid-client': 'openid-client (broker to upstream)',
  oauth4webapi: 'openid-client (broker to upstream)',
  handlebars: 'pages (handlebars)',
  'src/dev': 'demo upstream pages',
  'src/http': 'broker koa app, middleware and routes',
  'src/log': 'broker koa app, middleware and routes',
  'src/provider': 'broker provider hooks',
  'src/upstream': 'broker upstream federation',
  'src/accounts': 'broker accounts',
  'src/linking': 'broker accounts',
  'src/store': 'broker stores (request batching, connections)',
  'src/config': 'broker koa app, middleware and routes',
  'src/metrics': 'broker koa app, middleware and routes',
  'src/security': 'broker koa app, middleware and routes',
  'src/i18n': 'pages (handlebars)',
  'bench-client': 'bench client (fetch, cookies)',
  undici: 'fetch (undici): the bench client, or the broker calling the upstream',
};
const KOA = 'koa and middleware packages';

function ownerOf(url: string): string | undefined {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return CATEGORIES[pkg] ?? (/koa|helmet|pino|router|cookies|csrf|body|compose|mount|type-is|vary|on-finished|ee-first|delegates|media-typer|http-errors|statuses|accepts|negotiator|mime|content|fresh|parseurl|encodeurl|escape-html|destroy|depd|debug|keygrip|tsscmp/.test(pkg) ? `${KOA}: ${pkg}` : pkg);
  const folder = /\/(?:src|dist)\/([^/]+)\//.exec(url)?.[1];
  if (folder) return CATEGORIES[`src/${folder}`] ?? `src/${folder}`;
  if (url.includes('/scripts/bench/')) return CATEGORIES['bench-client'];
  if (url.includes('undici')) return CATEGORIES.undici;
  return undefined;
}

/**
 * Where the process's CPU went while `work` ran, from a V8 sampling profile: each sample is charged to the nearest
 * frame (from the top of its stack down) that belongs to a known package or source folder, so Node's own stream,
 * socket and crypto code counts for the library that called it; the rest is Node's HTTP server and event loop.
 */
export async function profileCpu(units: () => Promise<number>): Promise<{ units: number; shares: CpuShare[] }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    const done = await units();
    const { profile } = await session.post('Profiler.stop');
    return { units: done, shares: attribute(profile, done) };
  } finally {
    session.disconnect();
  }
}

/** A profile's samples charged to libraries (see profileCpu), in percent and in ms per unit of work. */
export function attribute(profile: Profiler.Profile, units: number): CpuShare[] {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const owners = new Map<number, string>();
  const ownerOfNode = (id: number): string => {
    const cached = owners.get(id);
    if (cached) return cached;
    const node = nodes.get(id);
    const name = node?.callFrame.functionName ?? '';
    let owner: string;
    if (name === '(idle)') owner = '(idle)';
    else if (name === '(garbage collector)') owner = 'garbage collection';
    else {
      owner = ownerOf(node?.callFrame.url ?? '') ?? '';
      const parent = parents.get(id);
      if (!owner) owner = parent === undefined ? 'Node HTTP server, event loop, other' : ownerOfNode(parent);
    }
    owners.set(id, owner);
    return owner;
  };
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples?.forEach((id, i) => {
    const micros = profile.timeDeltas?.[i] ?? 0;
    all += micros;
    const owner = ownerOfNode(id);
    totals.set(owner, (totals.get(owner) ?? 0) + micros);
  });
  return [...totals]
    .map(([category, micros]) => ({
      category,
      percent: Math.round((micros / Math.max(1, all)) * 1000) / 10,
      msPerUnit: Math.round((micros / 1000 / Math.max(1, units)) * 100) / 100,
    }))
    .filter((share) => share.percent >= 0.5)
    .sort((a, b) => b.percent - a.percent);
}

/**
 * Only the samples of a window of a whole-process profile (node --cpu-prof runs from start-up to exit): the
 * `lengthMs` that ended `beforeEndMs` before the profile did.
 */
export function windowOf(profile: Profiler.Profile, beforeEndMs: number, lengthMs: number): Profiler.Profile {
  const to = profile.endTime - beforeEndMs * 1000;
  const from = to - lengthMs * 1000;
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let at = profile.startTime;
  profile.samples?.forEach((id, i) => {
    const delta = profile.timeDeltas?.[i] ?? 0;
    at += delta;
    if (at >= from && at <= to) {
      samples.push(id);
      timeDeltas.push(delta);
    }
  });
  return { ...profile, samples, timeDeltas };
}
