// `npm run bench`: the broker as production runs it — the built dist/main.js in a process of its own (then with
// `workers: 2`), the demo upstream in another, this process as the load client — measured per whole federated login
// and per refresh grant: CPU of each process (/proc), the broker's Redis and MongoDB requests, Redis bytes per
// session, rates and latency. Writes bench/results.json and prints a table; `-- --in-process` runs the first,
// single-process benchmark instead (bench/results-in-process.json). What is measured and how: scripts/bench/README.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Profiler } from 'node:inspector';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { BenchRedis } from './bench-redis.ts';
import { attribute, windowOf } from './cpu-profile.ts';
import { benchUsers } from './bench-parties.ts';
import { startBrokerProcess, type BrokerProcess } from './broker-process.ts';
import { bestLevel, LoginBench, type ClosedLevel } from './login-bench.ts';
import { openLoop } from './load-pool.ts';
import type { LinkedUser } from './loopback-setup.ts';
import { watchMachineLoad } from './machine-load.ts';
import { pidListeningOn } from './proc-stats.ts';
import { measured, refreshChains, refreshLoop, type Parties, type PhaseResult } from './process-phases.ts';
import { buildProcessResults, printProcessTable } from './process-results.ts';
import { measureFootprint } from './redis-footprint.ts';
import { writeResults } from './report.ts';
import { totalsRate } from './run-totals.ts';
import { connectMongo } from '../../src/store/mongo.ts';
import { REDIS_CLUSTER_NODES, REDIS_CLUSTER_PORTS, redisClusterUp, servicesDown } from '../lib/local-services.ts';
import { clearClusterKeys, clusterPhase, type ClusterRun } from './cluster-phase.ts';
import { tracingPhase, type TracingRun } from './tracing-phase.ts';
import { createLogger } from '../../src/log/logger.ts';
import { seedLinkedAccount } from '../../test/parties/seed-linked-account.ts';

const SETTINGS = {
  users: 20,
  levels: [1, 4, 16],
  levelSeconds: 3,
  pacedSeconds: 6,
  refreshChains: 16,
  refreshSeconds: 4,
  footprintLogins: 200,
  profileSeconds: 4,
  watchdogSeconds: 175,
  /** With --redis-cluster: one broker process more, on the local Redis Cluster. */
  clusterWatchdogSeconds: 40,
  /** With --tracing: two broker processes more, logins with OpenTelemetry off, then on. */
  tracingWatchdogSeconds: 40,
} as const;

const ON_CLUSTER = process.argv.includes('--redis-cluster');
const TRACING = process.argv.includes('--tracing');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function runProcesses(): Promise<void> {
  const started = performance.now();
  const log = (message: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);
  const work = mkdtempSync(join(tmpdir(), 'ib-bench-'));
  const mongoBase = process.env.MONGODB_URI || 'mongodb://127.0.0.1:27017';
  const mongoUri = new URL(mongoBase);
  mongoUri.pathname = `/ib_bench_${randomBytes(6).toString('hex')}`;
  let redis: BenchRedis | undefined;
  let upstream: ChildProcess | undefined;
  let broker: BrokerProcess | undefined;
  let db: Connection | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      await broker?.stop().catch(() => undefined);
      upstream?.kill('SIGTERM');
      await db?.dropDatabase().catch(() => undefined);
      await db?.close().catch(() => undefined);
      await redis?.release().catch((error: unknown) => console.error(`clearing Redis: ${(error as Error).message}`));
      rmSync(work, { recursive: true, force: true });
    })());
  const stop = (reason: string, code: number) => {
    console.error(`bench: ${reason}, cleaning up`);
    void cleanUp().finally(() => process.exit(code));
  };
  const limit = SETTINGS.watchdogSeconds + (ON_CLUSTER ? SETTINGS.clusterWatchdogSeconds : 0) + (TRACING ? SETTINGS.tracingWatchdogSeconds : 0);
  const watchdog = setTimeout(() => stop(`still running after ${limit} s`, 2), limit * 1000);
  process.once('SIGINT', () => stop('interrupted', 130));
  process.once('SIGTERM', () => stop('terminated', 143));

  try {
    if (!process.argv.includes('--no-build')) {
      log('npm run build');
      const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
      if (build.status !== 0) throw new Error('npm run build failed');
    }
    const machineLoad = await watchMachineLoad();
    redis = await BenchRedis.claim();
    const [brokerPort, managementPort, upstreamPort] = [await freePort(), await freePort(), await freePort()];
    const brokerUrl = `http://127.0.0.1:${brokerPort}`;
    const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;

    upstream = spawn(process.execPath, [new URL('./upstream-process.ts', import.meta.url).pathname], {
      env: { ...process.env, BENCH_UPSTREAM: JSON.stringify({ port: upstreamPort, callbackUrl: `${brokerUrl}/upstream/demo/callback`, users: SETTINGS.users }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      upstream?.stdout?.once('data', () => resolve());
      upstream?.once('exit', () => reject(new Error('the demo upstream stopped during start-up')));
    });

    db = await connectMongo(mongoUri.toString(), { logger: createLogger('silent') });
    const linked: LinkedUser[] = [];
    for (const user of benchUsers(SETTINGS.users)) {
      const accountId = await seedLinkedAccount(db, {
        upstreamId: 'demo',
        issuer: upstreamUrl,
        subject: user.sub,
        name: `${user.name} Ltd`,
        email: `billing+${user.sub}@example.com`,
        plans: [{ type: 'support', expiresAt: new Date(Date.now() + 365 * 86_400_000) }],
      });
      linked.push({ user, accountId });
    }
    const target = { brokerUrl, upstreamUrl, linked };
    const redisPid = pidListeningOn(Number(new URL(redis.url).port || 6379));
    const mongoPid = pidListeningOn(Number(mongoUri.port || 27017));

    const runs = [];
    let footprint;
    for (const workers of [1, 2]) {
      broker = await startBrokerProcess({
        entry: 'dist/main.js',
        workers,
        port: brokerPort,
        managementPort,
        upstreamUrl,
        mongoUri: mongoUri.toString(),
        redisUrl: redis.url,
        workDirectory: work,
      });
      const parties: Parties = { broker, redisPid, mongoPid, upstreamPid: upstream.pid };
      log(`broker ${brokerUrl} in ${workers} process(es) (pids ${broker.pids().join(' ')}), Redis pid ${redisPid ?? '?'}, MongoDB-wire pid ${mongoPid ?? '?'}`);
      const bench = new LoginBench(target);
      await bench.untimed({ concurrency: 4, maxCount: 80, maxMs: 3000 });
      const levels: Array<ClosedLevel & { result: PhaseResult }> = [];
      for (const concurrency of workers === 1 ? SETTINGS.levels : [4, 16]) {
        const result = await measured(parties, () => bench.untimed({ concurrency, maxCount: 5000, maxMs: SETTINGS.levelSeconds * 1000 }));
        levels.push({ concurrency, totals: { ...emptyish(), completed: result.completed, elapsedMs: result.seconds * 1000 }, result });
      }
      const max = bestLevel(levels) as (typeof levels)[number];
      const maxRate = totalsRate(max.totals);
      log(`logins: ${levels.map((l) => `${l.result.ratePerSecond}/s at ${l.concurrency} (broker ${l.result.perUnit.brokerCpuMs} ms CPU each)`).join(', ')}`);
      const pacedRate = Math.max(1, Math.floor(maxRate / 2));
      const paced = await measured(parties, () =>
        openLoop({ ratePerSecond: pacedRate, durationMs: SETTINGS.pacedSeconds * 1000, maxInFlight: 64, task: bench.loginTask() }),
      );
      log(`paced at ${pacedRate}/s: p50 ${paced.latencyMs.p50} ms, p99 ${paced.latencyMs.p99} ms, ${paced.failed} failed`);
      const tokens = await refreshChains(target, SETTINGS.refreshChains);
      await refreshLoop(brokerUrl, tokens, 500);
      const refresh = await measured(parties, () => refreshLoop(brokerUrl, tokens, SETTINGS.refreshSeconds * 1000));
      log(`refresh: ${refresh.ratePerSecond}/s, broker ${refresh.perUnit.brokerCpuMs} ms CPU each, ${refresh.perUnit.redisRoundTrips ?? '-'} Redis round trips`);
      if (workers === 1) {
        await redis.clear();
        await bench.exactly(SETTINGS.footprintLogins, 4, 60_000);
        footprint = await measureFootprint(redis, SETTINGS.footprintLogins);
        log(`Redis: ${footprint.bytesPerLogin} B per login`);
      }
      runs.push({ workers, levels: levels.map((l) => ({ concurrency: l.concurrency, ...l.result })), max: { concurrency: max.concurrency, ...max.result }, paced: { targetRate: pacedRate, ...paced }, refresh });
      const code = await broker.stop();
      broker = undefined;
      if (code !== 0) throw new Error(`the broker (${workers} process(es)) exited with ${code} on SIGTERM`);
    }
    if (!footprint) throw new Error('no footprint measured');
    // The same logins and refreshes with the broker on the local Redis Cluster (3 primaries, 3 replicas), beside
    // the one-server figures above.
    let redisCluster: ClusterRun | undefined;
    if (ON_CLUSTER) {
      // A cluster the bench had to start is stopped again after its phase; one already running is left alone.
      const startedCluster = await redisClusterUp(log);
      const keyPrefix = `ib-bench-${randomBytes(4).toString('hex')}:`;
      broker = await startBrokerProcess({
        entry: 'dist/main.js',
        workers: 1,
        port: brokerPort,
        managementPort,
        upstreamUrl,
        mongoUri: mongoUri.toString(),
        redisUrl: '',
        redis: { cluster: { nodes: REDIS_CLUSTER_NODES }, keyPrefix },
        workDirectory: work,
      });
      const redisPids = REDIS_CLUSTER_PORTS.map((port) => pidListeningOn(port));
      redisCluster = await clusterPhase({ broker, target, redisPids, mongoPid, upstreamPid: upstream.pid, settings: SETTINGS });
      log(
        `Redis Cluster: logins ${redisCluster.logins.ratePerSecond}/s at 4 (broker ${redisCluster.logins.perUnit.brokerCpuMs} ms CPU, ` +
          `${redisCluster.logins.perUnit.redisRoundTrips} round trips each); refresh ${redisCluster.refresh.ratePerSecond}/s ` +
          `(broker ${redisCluster.refresh.perUnit.brokerCpuMs} ms CPU, ${redisCluster.refresh.perUnit.redisRoundTrips} round trips each)`,
      );
      const code = await broker.stop();
      broker = undefined;
      if (code !== 0) throw new Error(`the broker on the Redis Cluster exited with ${code} on SIGTERM`);
      log(`Redis Cluster: ${await clearClusterKeys(REDIS_CLUSTER_NODES, keyPrefix)} keys of the run deleted`);
      await servicesDown(startedCluster, log);
    }
    // What OpenTelemetry costs per login: off and on, back to back.
    let tracing: TracingRun | undefined;
    if (TRACING) {
      tracing = await tracingPhase({
        process: { entry: 'dist/main.js', workers: 1, port: brokerPort, managementPort, upstreamUrl, mongoUri: mongoUri.toString(), redisUrl: redis.url, workDirectory: work },
        target,
        pids: { redisPid, mongoPid, upstreamPid: upstream.pid },
        seconds: SETTINGS.levelSeconds,
      });
      log(
        `tracing: broker ${tracing.off.perUnit.brokerCpuMs} ms CPU per login off, ${tracing.on.perUnit.brokerCpuMs} ms on ` +
          `(${tracing.off.ratePerSecond} and ${tracing.on.ratePerSecond} logins/s at 4; ${tracing.exports.requests} exports, ${tracing.exports.bytes} B)`,
      );
    }
    // Where the broker's CPU goes per login: one more process, profiled (V8's sampling profiler slows it, so its
    // rates and CPU are not reported), driven for a few seconds, its profile written when it stops.
    broker = await startBrokerProcess({
      entry: 'dist/main.js',
      workers: 1,
      port: brokerPort,
      managementPort,
      upstreamUrl,
      mongoUri: mongoUri.toString(),
      redisUrl: redis.url,
      workDirectory: work,
      nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${join(work, 'profile')}`],
    });
    const profiled = new LoginBench(target);
    await profiled.untimed({ concurrency: 4, maxCount: 40, maxMs: 2000 });
    const profiledRun = await profiled.untimed({ concurrency: 4, maxCount: 5000, maxMs: SETTINGS.profileSeconds * 1000 });
    const stopping = performance.now();
    await broker.stop();
    const stopMs = performance.now() - stopping;
    broker = undefined;
    const [profileFile] = readdirSync(join(work, 'profile'));
    const profile = JSON.parse(readFileSync(join(work, 'profile', profileFile ?? ''), 'utf8')) as Profiler.Profile;
    // The profile spans the whole process life: only the timed logins' window counts.
    const brokerProfile = {
      logins: profiledRun.completed,
      shares: attribute(windowOf(profile, stopMs, profiledRun.elapsedMs), profiledRun.completed),
    };
    log(`profiled broker: ${brokerProfile.shares.slice(0, 4).map((s) => `${s.category} ${s.percent}%`).join(', ')}`);
    const results = buildProcessResults({
      durationSeconds: Math.round(performance.now() - started) / 1000,
      load: machineLoad(),
      redisUrl: redis.url,
      mongoUri: mongoBase,
      pids: { redis: redisPid, mongo: mongoPid },
      runs,
      footprint,
      brokerProfile,
      settings: SETTINGS,
    });
    writeResults('bench/results.json', { ...results, ...(redisCluster ? { redisCluster } : {}), ...(tracing ? { tracing } : {}) });
    printProcessTable(results, 'bench/results.json');
  } catch (error) {
    console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  } finally {
    await cleanUp();
    clearTimeout(watchdog);
  }
}

function emptyish() {
  return { failed: 0, latenciesMs: [], errors: [], cpuMs: 0, store: { redisCommands: 0, redisRoundTrips: 0, mongoOperations: 0 } };
}

if (process.argv.includes('--in-process')) await import('./in-process.ts');
else await runProcesses();
