// `npm run bench -- --in-process`: the first benchmark, kept as a second table: the broker's token endpoint against a
// bare oidc-provider, whole linked logins over the loopback setup, and the broker's Redis footprint per login, all
// in this one process; writes bench/results-in-process.json. What is measured and how: scripts/bench/README.md.
import { performance } from 'node:perf_hooks';
import { startBareProvider, type BareProvider } from './bare-provider.ts';
import { BenchRedis } from './bench-redis.ts';
import { measureHttpFloor } from './http-floor.ts';
import { runLoginPhase } from './login-phase.ts';
import { startLoopbackSetup, type LoopbackSetup } from './loopback-setup.ts';
import { watchMachineLoad } from './machine-load.ts';
import { PLAN } from './plan.ts';
import { measureFootprint } from './redis-footprint.ts';
import { printTable, writeResults } from './report.ts';
import { buildResults } from './results.ts';
import { totalsRate } from './run-totals.ts';
import { StoreCounters } from './store-counters.ts';
import { runTokenPhase } from './token-phase.ts';

const RESULTS_FILE = 'bench/results-in-process.json';
const started = performance.now();
const log = (message: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);

let redis: BenchRedis | undefined;
let setup: LoopbackSetup | undefined;
let bare: BareProvider | undefined;
let cleaning: Promise<void> | undefined;

/** Closes the servers, drops the MongoDB database, deletes the broker's Redis keys; once, whatever happened. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await bare?.close().catch(() => undefined);
    await setup?.close().catch((error: unknown) => console.error(`closing the broker: ${(error as Error).message}`));
    await redis?.release().catch((error: unknown) => console.error(`clearing Redis: ${(error as Error).message}`));
  })();
  return cleaning;
}

function stop(reason: string, code: number): void {
  console.error(`bench: ${reason}, cleaning up`);
  void cleanUp().finally(() => process.exit(code));
}
const watchdog = setTimeout(() => stop(`still running after ${PLAN.watchdogSeconds} s`, 2), PLAN.watchdogSeconds * 1000);
process.once('SIGINT', () => stop('interrupted', 130));
process.once('SIGTERM', () => stop('terminated', 143));

try {
  const machineLoad = await watchMachineLoad();
  redis = await BenchRedis.claim();
  setup = await startLoopbackSetup(redis.url, PLAN.linkedUsers);
  bare = await startBareProvider();
  const counters = new StoreCounters(setup.parts.redis, setup.parts.mongo);
  log(`broker ${setup.brokerUrl}, demo upstream ${setup.upstreamUrl}, bare oidc-provider ${bare.url}, Redis ${redis.url}, MongoDB database ${setup.databaseName}`);

  const floor = await measureHttpFloor({ concurrency: PLAN.tokenConcurrency, maxMs: 2000, maxCount: 20_000 });
  log(`HTTP floor ${totalsRate(floor).toFixed(0)} req/s`);

  const accountIds = setup.linked.map((l) => l.accountId);
  const tokens = await runTokenPhase(
    {
      broker: { name: 'broker', issuer: setup.brokerUrl, provider: setup.parts.provider, accountIds, counters },
      bare: { name: 'bare', issuer: bare.url, provider: bare.provider, accountIds },
    },
    log,
  );
  const logins = await runLoginPhase(setup, counters, log);

  // (c) The broker's Redis database emptied, exactly N logins, every key measured.
  await redis.clear();
  await logins.bench.exactly(PLAN.footprintLogins, 4, 60_000);
  const footprint = await measureFootprint(redis, PLAN.footprintLogins);
  log(`Redis: ${footprint.bytesPerLogin} B/login, ${footprint.keysPerLogin} keys/login`);

  const results = buildResults({
    durationSeconds: Math.round(performance.now() - started) / 1000,
    redisUrl: redis.url,
    load: machineLoad(),
    floor,
    tokens,
    logins,
    footprint,
  });
  writeResults(RESULTS_FILE, results);
  printTable(results, RESULTS_FILE);
} catch (error) {
  console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
  clearTimeout(watchdog);
}
