import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { PORTAL, UPSTREAM_CLIENT } from './bench-parties.ts';
import { processTree } from './proc-stats.ts';

export interface StoreCounts {
  redisCommands: number;
  redisRoundTrips: number;
  mongoOperations: number;
}

export interface BrokerProcess {
  url: string;
  workers: number;
  /** The `npm start` process and, with workers, the processes it forked. */
  pids(): number[];
  /** The store request counters of the process that answers the scrape (with one process: all of them). */
  storeCounts(): Promise<StoreCounts>;
  stop(): Promise<number | null>;
}

export interface BrokerProcessOptions {
  entry: string;
  workers: number;
  port: number;
  managementPort: number;
  upstreamUrl: string;
  mongoUri: string;
  redisUrl: string;
  /** Instead of redisUrl: the whole `redis` section (the Redis Cluster run). */
  redis?: Record<string, unknown>;
  workDirectory: string;
  /** More configuration keys (the tracing run's `tracing`). */
  extraConfig?: Record<string, unknown>;
  /** Node options for the broker process (the benchmark's profile: --cpu-prof). */
  nodeOptions?: string[];
}

/**
 * The broker as production runs it: `node dist/main.js` (npm start's command) with a configuration file, in a
 * process of its own, with its store request counters on (BROKER_STORE_REQUEST_METRICS) and served at the
 * management port's /metrics.
 */
export async function startBrokerProcess(options: BrokerProcessOptions): Promise<BrokerProcess> {
  const url = `http://127.0.0.1:${options.port}`;
  const configFile = join(options.workDirectory, `broker-${options.workers}.yaml`);
  writeFileSync(
    configFile,
    stringify({
      issuer: url,
      port: options.port,
      logLevel: 'warn',
      workers: options.workers,
      management: { port: options.managementPort, host: '127.0.0.1' },
      metrics: { enabled: true },
      mongodb: { uri: options.mongoUri },
      redis: options.redis ?? { url: options.redisUrl },
      keys: { file: join(options.workDirectory, 'jwks.json'), algorithm: 'ES256', generateIfMissing: true },
      cookieKeys: ['bench-cookie-key-0123456789abcdef0123456789'],
      upstreams: [{ id: 'demo', name: 'Demo ID', issuer: options.upstreamUrl, ...UPSTREAM_CLIENT }],
      clients: [{ clientId: PORTAL.clientId, clientSecret: PORTAL.clientSecret, name: PORTAL.name, redirectUris: [PORTAL.redirectUri] }],
      // No e-mail is sent in the benchmark: the outbox is polled rarely so that its reads do not count per login.
      mail: { from: { email: 'accounts@example.com', name: 'Accounts' }, support: 'help@example.com', transport: 'dev', pollInterval: '1h' },
      ...options.extraConfig,
    }),
  );
  // The caller's store variables would override the file.
  const env: NodeJS.ProcessEnv = { ...process.env, BROKER_CONFIG: configFile, BROKER_STORE_REQUEST_METRICS: '1', NODE_ENV: 'production' };
  delete env.MONGODB_URI;
  delete env.REDIS_URL;
  delete env.PORT;
  delete env.ISSUER;
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeOptions ?? []), options.entry], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (gone) throw new Error(`the broker stopped during start-up: ${stderr.trim()}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    // With workers, wait until every one of them runs (the primary forks the rest once the first is ready).
    if (ok && (options.workers === 1 || processTree(child.pid ?? 0).length > options.workers)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the broker did not answer /healthz within 60 s: ${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const metricsUrl = `http://127.0.0.1:${options.managementPort}/metrics`;

  return {
    url,
    workers: options.workers,
    pids: () => processTree(child.pid ?? 0),
    async storeCounts() {
      const text = await (await fetch(metricsUrl)).text();
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
      return {
        redisCommands: value('broker_redis_commands_total'),
        redisRoundTrips: value('broker_redis_round_trips_total'),
        mongoOperations: value('broker_mongodb_operations_total'),
      };
    },
    async stop() {
      if (!gone) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
