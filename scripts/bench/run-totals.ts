import type { RunResult } from './load-pool.ts';
import type { StoreCounters, StoreCounts } from './store-counters.ts';

/** Timed runs of one kind, added up: the rate is completed work over the summed timed spans (set-up never timed). */
export interface Totals {
  completed: number;
  failed: number;
  elapsedMs: number;
  latenciesMs: number[];
  errors: string[];
  /** CPU time of this whole process (client and servers together) during the timed spans. */
  cpuMs: number;
  /** Store requests of the broker during the timed spans, when counters were given. */
  store: StoreCounts;
}

export function emptyTotals(): Totals {
  return {
    completed: 0,
    failed: 0,
    elapsedMs: 0,
    latenciesMs: [],
    errors: [],
    cpuMs: 0,
    store: { redisCommands: 0, redisRoundTrips: 0, mongoOperations: 0 },
  };
}

/**
 * Runs `work` and adds its results to `totals`, with the process's CPU time and (given counters) the broker's store
 * requests over the same span.
 */
export async function timed(
  totals: Totals,
  counters: StoreCounters | undefined,
  work: () => Promise<RunResult>,
): Promise<RunResult> {
  const cpu = process.cpuUsage();
  const before = counters?.snapshot();
  const run = await work();
  const used = process.cpuUsage(cpu);
  totals.cpuMs += (used.user + used.system) / 1000;
  if (counters && before) {
    const after = counters.snapshot();
    totals.store.redisCommands += after.redisCommands - before.redisCommands;
    totals.store.redisRoundTrips += after.redisRoundTrips - before.redisRoundTrips;
    totals.store.mongoOperations += after.mongoOperations - before.mongoOperations;
  }
  totals.completed += run.completed;
  totals.failed += run.failed;
  totals.elapsedMs += run.elapsedMs;
  for (const latency of run.latenciesMs) totals.latenciesMs.push(latency);
  for (const error of run.errors) if (totals.errors.length < 5) totals.errors.push(error);
  return run;
}

export function totalsRate(totals: Totals): number {
  return totals.elapsedMs > 0 ? (totals.completed * 1000) / totals.elapsedMs : 0;
}

const oneDecimal = (value: number) => Math.round(value * 10) / 10;

/** Per completed request: CPU milliseconds of the process and the broker's store requests. */
export function perRequest(totals: Totals): { cpuMs: number; redisCommands: number; redisRoundTrips: number; mongoOperations: number } {
  const n = Math.max(1, totals.completed);
  return {
    cpuMs: Math.round((totals.cpuMs / n) * 100) / 100,
    redisCommands: oneDecimal(totals.store.redisCommands / n),
    redisRoundTrips: oneDecimal(totals.store.redisRoundTrips / n),
    mongoOperations: oneDecimal(totals.store.mongoOperations / n),
  };
}
