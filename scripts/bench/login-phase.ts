import { profileCpu, type CpuShare } from './cpu-profile.ts';
import { bestLevel, LoginBench, type ClosedLevel } from './login-bench.ts';
import type { LoopbackSetup } from './loopback-setup.ts';
import { PLAN, type Log } from './plan.ts';
import { totalsRate, type Totals } from './run-totals.ts';
import { watchStalls, type Stalls } from './stall-watch.ts';
import type { StoreCounters } from './store-counters.ts';
import { summarize } from './latency-stats.ts';

export interface LoginPhase {
  levels: ClosedLevel[];
  max: ClosedLevel;
  maxRate: number;
  pacedRate: number;
  paced: Totals;
  /** Event-loop delay and GC pauses during the paced run: is the latency tail this process's own? */
  pacedStalls: Stalls;
  hops: ReturnType<LoginBench['hops']['means']>;
  profile: { units: number; shares: CpuShare[] };
  bench: LoginBench;
}

/**
 * (b) Whole linked logins: closed loops at a few concurrencies, the best being the maximum rate; then an open loop
 * at half that rate; then a short profiled run.
 */
export async function runLoginPhase(setup: LoopbackSetup, counters: StoreCounters, log: Log): Promise<LoginPhase> {
  const bench = new LoginBench(setup, counters);
  await bench.untimed({ concurrency: 8, maxCount: 100, maxMs: 2000 });
  const levels = await bench.closedLevels(PLAN.loginConcurrencies, { maxCount: 2000, maxMs: PLAN.loginSecondsPerLevel * 1000 });
  const max = bestLevel(levels);
  if (!max) throw new Error('no login level ran');
  const maxRate = totalsRate(max.totals);
  log(`logins: ${levels.map((l) => `${totalsRate(l.totals).toFixed(1)}/s at ${l.concurrency}`).join(', ')}`);

  const pacedRate = Math.max(1, maxRate / 2);
  const { result: paced, stalls: pacedStalls } = await watchStalls(() =>
    bench.paced(pacedRate, { durationMs: PLAN.pacedSeconds * 1000, maxInFlight: PLAN.pacedMaxInFlight }),
  );
  log(`paced at ${pacedRate.toFixed(1)}/s: p99 ${summarize(paced.latenciesMs).p99} ms`);

  const profile = await profileCpu(
    async () => (await bench.untimed({ concurrency: 8, maxCount: 1000, maxMs: PLAN.profileSeconds * 1000 })).completed,
  );
  return { levels, max, maxRate, pacedRate, paced, pacedStalls, hops: bench.hops.means(), profile, bench };
}
