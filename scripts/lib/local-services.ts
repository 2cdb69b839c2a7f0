/**
 * Makes sure a Redis and a MongoDB-wire server answer where the configuration expects them, starting local ones
 * when nothing answers: `redis-server` from Debian's package, then `mongod` from PATH or FerretDB (built once from
 * tools/ferretdb). Used by `npm run services`, `npm run demo`, jest's global setup and .ci/run.
 * Only what this module started is ever stopped: pid files under .cache/run mark those processes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import mongoose from 'mongoose';
import { redactCredentials } from '../../src/store/errors.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RUN_DIR = join(ROOT, '.cache/run');
const FERRETDB_BIN = join(ROOT, '.cache/bin/ferretdb');
const FERRETDB_VERSION = 'v1.24.2';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_MONGODB_URI = 'mongodb://127.0.0.1:27017';

type ServiceName = 'redis' | 'mongodb';
/** One local server we may have started: `redis-6379`, `mongodb-27017`; names its pid and log files. */
export type Instance = `${ServiceName}-${number}`;
type Log = (line: string) => void;

export class ServiceError extends Error {}

interface Endpoint {
  host: string;
  port: number;
}

function endpointOf(url: string, defaultPort: number): Endpoint | undefined {
  // mongodb+srv and replica-set lists name remote deployments: those are checked, never started here.
  if (/^mongodb\+srv:/.test(url) || /^mongodb:\/\/[^/]*,/.test(url)) return undefined;
  const parsed = new URL(url.replace(/^mongodb:/, 'http:').replace(/^rediss?:/, 'http:'));
  return { host: parsed.hostname, port: parsed.port ? Number(parsed.port) : defaultPort };
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** A raw RESP PING: any reply (even -NOAUTH) proves a Redis server answers there. */
export function redisAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const endpoint = endpointOf(url, 6379);
  if (!endpoint) return Promise.resolve(false);
  return new Promise((done) => {
    const socket = connect({ host: endpoint.host.replace(/^\[|\]$/g, ''), port: endpoint.port });
    const finish = (answer: boolean) => {
      socket.destroy();
      done(answer);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => finish(/^[+-]/.test(data.toString())));
  });
}

export async function mongoAnswers(uri: string, timeoutMs = 1000): Promise<boolean> {
  const client = new mongoose.mongo.MongoClient(uri, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
  });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}

function pidFile(name: Instance): string {
  return join(RUN_DIR, `${name}.pid`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function onPath(command: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : undefined;
}

async function waitUntil(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
  name: Instance,
  logFile: string,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    if (exitedAtStart.has(name)) {
      rmSync(pidFile(name), { force: true });
      const lastLine = readFileSync(logFile, 'utf8').trim().split('\n').slice(-1)[0] ?? '';
      throw new ServiceError(`${what} exited at start-up: ${lastLine} (see ${logFile})`);
    }
    await sleep(250);
  }
  throw new ServiceError(`${what} did not answer within ${timeoutMs / 1000}s (see ${logFile})`);
}

const exitedAtStart = new Set<Instance>();

function spawnDetached(name: Instance, command: string, args: string[]): string {
  mkdirSync(RUN_DIR, { recursive: true });
  const logFile = join(RUN_DIR, `${name}.log`);
  const out = openSync(logFile, 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], cwd: ROOT });
  // A child that exits is a zombie until this process ends, so `kill(pid, 0)` cannot tell; its exit event can.
  child.once('exit', () => exitedAtStart.add(name));
  child.unref();
  if (child.pid === undefined) throw new ServiceError(`${name}: could not start ${command}`);
  writeFileSync(pidFile(name), String(child.pid));
  return logFile;
}

const REDIS_MISSING =
  'Redis: nothing answers at REDIS_URL and redis-server is not installed: install it (apt-get install redis-server) or set REDIS_URL';

function redisServerBinary(log: Log, missing = REDIS_MISSING): string {
  const existing = onPath('redis-server');
  if (existing) return existing;
  if (process.getuid?.() !== 0 || !onPath('apt-get')) throw new ServiceError(missing);
  log('Redis: installing redis-server from Debian packages');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let install = spawnSync('apt-get', ['install', '-y', '-q', 'redis-server'], { stdio: 'ignore', env });
  if (install.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore', env });
    install = spawnSync('apt-get', ['install', '-y', '-q', 'redis-server'], { stdio: 'ignore', env });
  }
  const installed = onPath('redis-server');
  if (install.status !== 0 || !installed) {
    throw new ServiceError('Redis: apt-get install redis-server failed: install Redis by hand or set REDIS_URL');
  }
  return installed;
}

async function startRedis(url: string, endpoint: Endpoint, log: Log): Promise<void> {
  const binary = redisServerBinary(log);
  const instance: Instance = `redis-${endpoint.port}`;
  const dataDir = join(ROOT, '.data', instance);
  mkdirSync(dataDir, { recursive: true });
  // Foreground process (no --daemonize) so the pid we record is the server's own.
  const logFile = spawnDetached(instance, binary, [
    '--port',
    String(endpoint.port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dataDir,
  ]);
  await waitUntil(() => redisAnswers(url), `Redis (${binary})`, 15_000, instance, logFile);
}

/** Builds FerretDB once into .cache/bin; see shared FERRETDB.md for why it is built from our own tool module. */
export function buildFerretDb(log: Log): string {
  if (existsSync(FERRETDB_BIN)) return FERRETDB_BIN;
  const go = onPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new ServiceError(
      'MongoDB: nothing answers at MONGODB_URI, no mongod on PATH, and Go is missing to build FerretDB: install Go >= 1.24, mongod, or set MONGODB_URI',
    );
  }
  log(`MongoDB: building FerretDB ${FERRETDB_VERSION} once into .cache/bin (a cold build takes a few minutes)`);
  const started = Date.now();
  const build = spawnSync(go, ['build', '-buildvcs=false', '-trimpath', '-o', FERRETDB_BIN, '.'], {
    cwd: join(ROOT, 'tools/ferretdb'),
    env: { ...process.env, CGO_ENABLED: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (build.status !== 0) {
    const reason = build.stderr.trim().split('\n').slice(-1)[0] ?? 'unknown error';
    throw new ServiceError(`MongoDB: building FerretDB failed (go build in tools/ferretdb): ${reason}`);
  }
  log(`MongoDB: FerretDB built in ${Math.round((Date.now() - started) / 1000)}s`);
  return FERRETDB_BIN;
}

async function startMongo(uri: string, endpoint: Endpoint, log: Log): Promise<void> {
  const mongod = onPath('mongod');
  const instance: Instance = `mongodb-${endpoint.port}`;
  let logFile: string;
  if (mongod) {
    const dataDir = join(ROOT, '.data', `mongod-${endpoint.port}`);
    mkdirSync(dataDir, { recursive: true });
    logFile = spawnDetached(instance, mongod, [
      '--dbpath',
      dataDir,
      '--port',
      String(endpoint.port),
      '--bind_ip',
      '127.0.0.1',
    ]);
  } else {
    const binary = buildFerretDb(log);
    const dataDir = join(ROOT, '.data', `ferretdb-${endpoint.port}`);
    mkdirSync(dataDir, { recursive: true });
    logFile = spawnDetached(instance, binary, [
      `-listen-addr=127.0.0.1:${endpoint.port}`,
      `-sqlite-url=file:${dataDir}/`,
      '-log-level=warn',
    ]);
  }
  await waitUntil(() => mongoAnswers(uri), `MongoDB-wire server (${mongod ?? 'FerretDB'})`, 30_000, instance, logFile);
}

export interface ServicesOptions {
  redisUrl?: string;
  mongodbUri?: string;
  log?: Log;
}

/** Ensures both services answer; returns the names of those it had to start. */
export async function servicesUp(options: ServicesOptions = {}): Promise<Instance[]> {
  const log = options.log ?? (() => undefined);
  const redisUrl = options.redisUrl ?? DEFAULT_REDIS_URL;
  const mongodbUri = options.mongodbUri ?? DEFAULT_MONGODB_URI;
  const started: Instance[] = [];

  const checks: Array<[ServiceName, string, string, () => Promise<boolean>, (e: Endpoint) => Promise<void>]> = [
    ['redis', 'Redis', redisUrl, () => redisAnswers(redisUrl), (e) => startRedis(redisUrl, e, log)],
    ['mongodb', 'MongoDB', mongodbUri, () => mongoAnswers(mongodbUri), (e) => startMongo(mongodbUri, e, log)],
  ];
  for (const [name, label, url, answers, start] of checks) {
    if (await answers()) {
      log(`${label}: answering at ${redactCredentials(url)}`);
      continue;
    }
    const endpoint = endpointOf(url, name === 'redis' ? 6379 : 27017);
    if (!endpoint || !LOOPBACK.has(endpoint.host)) {
      throw new ServiceError(
        `${label}: nothing answers at ${redactCredentials(url)}, and only loopback services are started here`,
      );
    }
    const instance: Instance = `${name}-${endpoint.port}`;
    const stale = readPid(instance);
    if (stale !== undefined && isAlive(stale)) {
      throw new ServiceError(
        `${label}: a process started earlier (pid ${stale}) runs but does not answer; run: npm run services -- down`,
      );
    }
    log(`${label}: nothing answers at ${redactCredentials(url)}, starting one`);
    await start(endpoint);
    started.push(instance);
    log(`${label}: started (pid ${readPid(instance)})`);
  }
  return started;
}

function readPid(name: Instance): number | undefined {
  try {
    return Number(readFileSync(pidFile(name), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** Stops the named services, or every service this module started, if they still run. */
export async function servicesDown(names?: Instance[], log: Log = () => undefined): Promise<void> {
  const targets =
    names ??
    (existsSync(RUN_DIR) ? readdirSync(RUN_DIR) : [])
      .filter((file) => file.endsWith('.pid'))
      .map((file) => file.replace(/\.pid$/, '') as Instance);
  for (const name of targets) {
    const pid = readPid(name);
    if (pid !== undefined && isAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 10_000;
      while (isAlive(pid) && Date.now() < deadline) await sleep(100);
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      log(`${name}: stopped (pid ${pid})`);
    }
    rmSync(pidFile(name), { force: true });
  }
}

/** The local Redis Cluster of `npm run services -- up --redis-cluster` and of the tests: three primaries, three replicas. */
export const REDIS_CLUSTER_PORTS = [7101, 7102, 7103, 7104, 7105, 7106] as const;
export const REDIS_CLUSTER_NODES = REDIS_CLUSTER_PORTS.map((port) => `127.0.0.1:${port}`);
// How long a node may be silent before the others count it failed and its replica takes over: short, so that the
// failover test sees a replica promoted within seconds (Redis' default is 15 s).
const CLUSTER_NODE_TIMEOUT_MS = 2_000;

function redisCli(port: number, ...args: string[]): { ok: boolean; out: string } {
  const run = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return { ok: run.status === 0, out: `${run.stdout ?? ''}${run.stderr ?? ''}` };
}

/** CLUSTER INFO of one node says the cluster serves every slot. */
export function clusterStateOk(port: number): boolean {
  const info = redisCli(port, 'cluster', 'info');
  return info.ok && /cluster_state:ok/.test(info.out);
}

function clusterTools(log: Log): void {
  redisServerBinary(
    log,
    'Redis Cluster (ports 7101-7106): redis-server is not installed: install it (apt-get install redis-server)',
  );
  if (!onPath('redis-cli')) {
    throw new ServiceError(
      'Redis Cluster: redis-cli is missing: install it (apt-get install redis-server, or redis-tools)',
    );
  }
}

/**
 * Starts one cluster node (a redis-server with cluster-enabled), with fresh data when `fresh`. A node started again
 * after a crash must get the folder it ran in (its nodes.conf says who it is): `dataDir`, when another checkout
 * started it.
 */
export async function startClusterNode(
  port: number,
  fresh: boolean,
  dataDir = join(ROOT, '.data', `redis-cluster-${port}`),
): Promise<void> {
  const instance: Instance = `redis-${port}`;
  if (fresh) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  exitedAtStart.delete(instance);
  const logFile = spawnDetached(instance, 'redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dataDir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    String(CLUSTER_NODE_TIMEOUT_MS),
  ]);
  await waitUntil(
    () => redisAnswers(`redis://127.0.0.1:${port}`),
    `Redis Cluster node ${port}`,
    15_000,
    instance,
    logFile,
  );
}

/** Waits (bounded) until every node given reports cluster_state:ok. */
export async function waitForClusterOk(ports: readonly number[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ports.every(clusterStateOk)) {
    if (Date.now() > deadline)
      throw new ServiceError(
        `Redis Cluster: not cluster_state:ok within ${timeoutMs / 1000}s (see .cache/run/redis-71*.log)`,
      );
    await sleep(250);
  }
}

/**
 * Makes sure the local Redis Cluster answers on 127.0.0.1:7101-7106 with cluster_state:ok: left alone when it does,
 * created from scratch otherwise (`redis-cli --cluster create ... --cluster-replicas 1`). Returns what it started.
 */
export async function redisClusterUp(log: Log = () => undefined): Promise<Instance[]> {
  clusterTools(log);
  const ports = [...REDIS_CLUSTER_PORTS];
  // Every node answering but the cluster not ok: a failover (another checkout's test) may be settling.
  const answering = await Promise.all(ports.map((port) => redisAnswers(`redis://127.0.0.1:${port}`)));
  if (answering.every(Boolean)) await waitForClusterOk(ports, 30_000).catch(() => undefined);
  if (ports.every(clusterStateOk)) {
    log(`Redis Cluster: answering at ${REDIS_CLUSTER_NODES.join(',')}`);
    return [];
  }
  // Half a cluster (a run interrupted, a node killed): ours are stopped and the cluster made again from nothing.
  const ours = ports.map((port): Instance => `redis-${port}`);
  await servicesDown(ours.filter((name) => readPid(name) !== undefined));
  const foreign = [];
  for (const port of ports) if (await redisAnswers(`redis://127.0.0.1:${port}`)) foreign.push(port);
  if (foreign.length > 0) {
    throw new ServiceError(
      `Redis Cluster: ports ${foreign.join(',')} are taken by servers not started here; stop them first`,
    );
  }
  log(`Redis Cluster: starting 6 nodes on ${REDIS_CLUSTER_NODES.join(',')}`);
  await Promise.all(ports.map((port) => startClusterNode(port, true)));
  const create = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...REDIS_CLUSTER_NODES, '--cluster-replicas', '1', '--cluster-yes'],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  if (create.status !== 0) {
    await servicesDown(ours);
    const reason = `${create.stdout}${create.stderr}`.trim().split('\n').slice(-1)[0] ?? 'unknown error';
    throw new ServiceError(`Redis Cluster: redis-cli --cluster create failed: ${reason}`);
  }
  await waitForClusterOk(ports);
  log('Redis Cluster: cluster_state:ok (3 primaries, 3 replicas)');
  return ours;
}
