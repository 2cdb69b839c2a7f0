import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BenchResults } from './results.ts';

export function writeResults(file: string, results: BenchResults | object): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

function topShares(profile: BenchResults['cpuProfile']['brokerRefresh'], count: number): string {
  return profile.shares
    .filter((share) => share.category !== '(idle)')
    .slice(0, count)
    .map((share) => `${share.category} ${fixed(share.msPerUnit, 2)}`)
    .join(', ');
}

/** The short table on stdout. */
export function printTable(results: BenchResults, file: string): void {
  const { codeExchange: code, refreshRotation: refresh } = results.tokenEndpoint;
  const { max, paced } = results.logins;
  const { load } = results.environment;
  const row = (label: string, ...cells: string[]) => console.log(`${label.padEnd(34)}${cells.map((c) => c.padStart(11)).join('')}`);
  console.log('');
  console.log(results.environment.note);
  const busyBefore = load.busyBeforeStartPercent ?? Number.NaN;
  console.log(`Machine (all cores = 100%): ${fixed(busyBefore)}% busy just before the run; during it ${fixed(load.busyPercent ?? Number.NaN)}%, of which this process ${fixed(load.thisProcessPercent ?? Number.NaN)}%; steal ${fixed(load.stealPercent ?? Number.NaN)}%. HTTP floor (fetch to a no-op server): ${fixed(results.httpFloor.requestsPerSecond, 0)} req/s`);
  if (busyBefore > 15) {
    console.log('WARNING: other processes were busy when the run began: absolute rates are low; ratios within the run hold better.');
  }
  row('token endpoint (req/s)', 'broker', 'bare', 'ratio', 'broker p99', 'bare p99');
  row('  authorization_code exchange', fixed(code.broker.requestsPerSecond), fixed(code.bare.requestsPerSecond), fixed(code.ratio, 2), `${fixed(code.broker.latencyMs.p99)} ms`, `${fixed(code.bare.latencyMs.p99)} ms`);
  row('  refresh_token, rotating', fixed(refresh.broker.requestsPerSecond), fixed(refresh.bare.requestsPerSecond), fixed(refresh.ratio, 2), `${fixed(refresh.broker.latencyMs.p99)} ms`, `${fixed(refresh.bare.latencyMs.p99)} ms`);
  row('  process CPU ms per refresh', fixed(refresh.broker.perRequest.cpuMs, 2), fixed(refresh.bare.perRequest.cpuMs, 2));
  row('linked logins', 'logins/s', 'p50', 'p99', 'failed');
  const unloaded = results.logins.levels.find((level) => level.concurrency === 1);
  if (unloaded) row('  one at a time (unloaded)', fixed(unloaded.requestsPerSecond), `${fixed(unloaded.latencyMs.p50)} ms`, `${fixed(unloaded.latencyMs.p99)} ms`, String(unloaded.failed));
  row(`  max (closed loop, ${max.concurrency} at once)`, fixed(max.requestsPerSecond), `${fixed(max.latencyMs.p50)} ms`, `${fixed(max.latencyMs.p99)} ms`, String(max.failed));
  row(`  paced at ${fixed(paced.targetRate)}/s (half the max)`, fixed(paced.requestsPerSecond), `${fixed(paced.latencyMs.p50)} ms`, `${fixed(paced.latencyMs.p99)} ms`, String(paced.failed));
  const stalls = results.logins.pacedStalls;
  console.log(`  paced run, this process: event-loop delay p99 ${fixed(stalls.eventLoopDelayP99Ms)} ms, max ${fixed(stalls.eventLoopDelayMaxMs)} ms; longest GC pause ${fixed(stalls.gcLongestMs)} ms`);
  const redis = results.redis;
  console.log(`Redis after ${redis.logins} logins: ${fixed(redis.bytesPerLogin, 0)} B and ${fixed(redis.keysPerLogin)} keys per login (${fixed(redis.lastingBytesPerLogin, 0)} B once consumed codes expire)`);
  const store = refresh.broker.perRequest;
  console.log(`Broker per refresh: ${store.redisCommands} Redis commands in ${store.redisRoundTrips} round trips, ${store.mongoOperations} MongoDB reads; per login: ${max.perRequest.redisRoundTrips} Redis round trips, ${max.perRequest.mongoOperations} MongoDB operations`);
  console.log(`CPU ms per broker refresh: ${topShares(results.cpuProfile.brokerRefresh, 5)}`);
  console.log(`CPU ms per login: ${topShares(results.cpuProfile.logins, 5)}`);
  console.log('Targets:');
  for (const t of results.targets) {
    const status = t.met ? 'met' : `MISSED by ${fixed(t.missedBy ?? 0)}%`;
    console.log(`  ${status.padEnd(18)} ${t.description}: ${fixed(t.measured, t.unit === 'ratio' ? 2 : 1)} (${t.comparison} ${t.target} ${t.unit})`);
  }
  console.log(`Written to ${file} in ${fixed(results.durationSeconds, 0)} s`);
}
