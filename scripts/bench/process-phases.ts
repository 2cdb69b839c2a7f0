import { performance } from 'node:perf_hooks';
import type { BrokerProcess, StoreCounts } from './broker-process.ts';
import { OFFLINE_SCOPE } from './bench-parties.ts';
import { summarize, type LatencySummary } from './latency-stats.ts';
import { linkedLogin } from './linked-login.ts';
import type { RunResult } from './load-pool.ts';
import type { LoginTarget } from './login-bench.ts';
import { cpuMsOf, cpuMsOfAll } from './proc-stats.ts';
import { refresh } from './token-requests.ts';

/** The processes whose CPU a phase is charged with. */
export interface Parties {
  broker: BrokerProcess;
  /** One Redis server, or every node of a Redis Cluster (their CPU is added up). */
  redisPid: number | readonly number[] | undefined;
  mongoPid: number | undefined;
  upstreamPid: number | undefined;
}

export interface PerUnit {
  /** CPU milliseconds per login or grant, from /proc/<pid>/stat (10 ms ticks, summed over the phase). */
  brokerCpuMs: number;
  redisCpuMs: number | null;
  mongoCpuMs: number | null;
  upstreamCpuMs: number | null;
  /** The load client (this process). */
  clientCpuMs: number;
  /** Counted by the broker itself (one process only: a scrape of several workers reaches one of them). */
  redisCommands: number | null;
  redisRoundTrips: number | null;
  mongoOperations: number | null;
}

export interface PhaseResult {
  ratePerSecond: number;
  completed: number;
  failed: number;
  seconds: number;
  latencyMs: LatencySummary;
  perUnit: PerUnit;
  errors: string[];
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

async function snapshot(parties: Parties, counts: boolean) {
  const cpu = process.cpuUsage();
  return {
    broker: cpuMsOfAll(parties.broker.pids()),
    redis: typeof parties.redisPid === 'object' ? cpuMsOfAll(parties.redisPid) : parties.redisPid ? cpuMsOf(parties.redisPid) : Number.NaN,
    mongo: parties.mongoPid ? cpuMsOf(parties.mongoPid) : Number.NaN,
    upstream: parties.upstreamPid ? cpuMsOf(parties.upstreamPid) : Number.NaN,
    client: (cpu.user + cpu.system) / 1000,
    stores: counts ? await parties.broker.storeCounts() : undefined,
  };
}

/** Runs `work` and charges each party's CPU (and the broker's store requests) to the units it completed. */
export async function measured(parties: Parties, work: () => Promise<RunResult>): Promise<PhaseResult> {
  // With workers, /metrics is the sum over every worker (metrics/worker-metrics.ts): the counts hold for any number.
  const counts = true;
  const before = await snapshot(parties, counts);
  const run = await work();
  const after = await snapshot(parties, counts);
  const n = Math.max(1, run.completed);
  const per = (key: 'broker' | 'redis' | 'mongo' | 'upstream' | 'client') => round((after[key] - before[key]) / n, 3);
  const orNull = (value: number) => (Number.isFinite(value) ? value : null);
  const store = (key: keyof StoreCounts) =>
    after.stores && before.stores ? orNull(round((after.stores[key] - before.stores[key]) / n, 2)) : null;
  return {
    ratePerSecond: round((run.completed * 1000) / Math.max(1, run.elapsedMs), 1),
    completed: run.completed,
    failed: run.failed,
    seconds: round(run.elapsedMs / 1000, 2),
    latencyMs: summarize(run.latenciesMs),
    perUnit: {
      brokerCpuMs: per('broker'),
      redisCpuMs: orNull(per('redis')),
      mongoCpuMs: orNull(per('mongo')),
      upstreamCpuMs: orNull(per('upstream')),
      clientCpuMs: per('client'),
      redisCommands: store('redisCommands'),
      redisRoundTrips: store('redisRoundTrips'),
      mongoOperations: store('mongoOperations'),
    },
    errors: run.errors,
  };
}

/** Refresh tokens to spend: one per chain, each from a whole login with offline_access (prompt=consent, as required). */
export async function refreshChains(target: LoginTarget, chains: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < chains; i += 1) {
    const linked = target.linked[i % target.linked.length];
    if (!linked) throw new Error('no linked users');
    const { refresh_token: token } = await linkedLogin(target, linked, { scope: OFFLINE_SCOPE, prompt: 'consent' });
    if (!token) throw new Error('a login with offline_access returned no refresh token');
    tokens.push(token);
  }
  return tokens;
}

/**
 * Refresh grants with rotation: one client per chain, each request spending the token the previous one returned,
 * all chains at once for `ms`. A chain that fails stops (its token is spent); the count says so.
 */
export async function refreshLoop(brokerUrl: string, tokens: string[], ms: number): Promise<RunResult> {
  const result: RunResult = { completed: 0, failed: 0, elapsedMs: 0, latenciesMs: [], errors: [], skipped: 0 };
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    tokens.map(async (first, chain) => {
      let token = first;
      while (performance.now() < deadline) {
        const at = performance.now();
        try {
          const answer = await refresh(brokerUrl, token);
          if (!answer.refresh_token) throw new Error('no rotated refresh token');
          token = answer.refresh_token;
          result.completed += 1;
          result.latenciesMs.push(performance.now() - at);
        } catch (error) {
          result.failed += 1;
          if (result.errors.length < 5) result.errors.push((error as Error).message);
          return;
        }
      }
      tokens[chain] = token;
    }),
  );
  result.elapsedMs = performance.now() - started;
  return result;
}
