import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { CpuShare } from './cpu-profile.ts';
import { summarize, type LatencySummary } from './latency-stats.ts';
import type { LoginPhase } from './login-phase.ts';
import type { MachineLoad } from './machine-load.ts';
import { PLAN } from './plan.ts';
import type { Footprint } from './redis-footprint.ts';
import { perRequest, totalsRate, type Totals } from './run-totals.ts';
import { check, type TargetCheck } from './targets.ts';
import type { TokenPhase } from './token-phase.ts';

export interface RateSummary {
  requestsPerSecond: number;
  completed: number;
  failed: number;
  timedSeconds: number;
  latencyMs: LatencySummary;
  /** CPU ms of the whole process per request; for the broker also its Redis and MongoDB requests per request. */
  perRequest: ReturnType<typeof perRequest>;
  errors: string[];
}

type Profile = { units: number; shares: CpuShare[] };

export interface BenchResults {
  generatedAt: string;
  durationSeconds: number;
  environment: Record<string, unknown> & { note: string; load: MachineLoad };
  method: Record<string, string>;
  httpFloor: RateSummary;
  tokenEndpoint: {
    concurrency: number;
    codeExchange: { broker: RateSummary; bare: RateSummary; ratio: number };
    refreshRotation: { chains: number; broker: RateSummary; bare: RateSummary; ratio: number };
  };
  logins: {
    levels: Array<{ concurrency: number } & RateSummary>;
    max: { concurrency: number } & RateSummary;
    paced: { targetRate: number } & RateSummary;
    /** Event-loop delay and GC pauses of this process during the paced run. */
    pacedStalls: LoginPhase['pacedStalls'];
    /** Mean time of each kind of request within a login (paced run), seen from the browser. */
    hops: LoginPhase['hops'];
  };
  redis: Footprint;
  cpuProfile: { about: string; brokerRefresh: Profile; bareRefresh: Profile; logins: Profile };
  missedByUnit: string;
  targets: TargetCheck[];
}

export function rateSummary(totals: Totals): RateSummary {
  return {
    requestsPerSecond: Math.round(totalsRate(totals) * 10) / 10,
    completed: totals.completed,
    failed: totals.failed,
    timedSeconds: Math.round(totals.elapsedMs) / 1000,
    latencyMs: summarize(totals.latenciesMs),
    perRequest: perRequest(totals),
    errors: totals.errors,
  };
}

const ratio = (a: Totals, b: Totals) => totalsRate(a) / totalsRate(b);
const round3 = (value: number) => Math.round(value * 1000) / 1000;

function oidcProviderVersion(): string {
  const file = new URL('../../node_modules/oidc-provider/package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

export function buildResults(parts: {
  durationSeconds: number;
  redisUrl: string;
  load: MachineLoad;
  floor: Totals;
  tokens: TokenPhase;
  logins: LoginPhase;
  footprint: Footprint;
}): BenchResults {
  const { tokens, logins, footprint } = parts;
  const paced = rateSummary(logins.paced);
  return {
    generatedAt: new Date().toISOString(),
    durationSeconds: parts.durationSeconds,
    environment: {
      node: process.version,
      oidcProvider: oidcProviderVersion(),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      redis: parts.redisUrl,
      mongodb: process.env.MONGODB_URI || 'mongodb://127.0.0.1:27017',
      load: parts.load,
      note: `One process on ${cpus().length} cores: the client, the broker, the demo upstream and the bare provider share one JavaScript thread; Redis and the MongoDB-wire server run beside it.`,
    },
    method: {
      codeExchange: `codes minted through each provider's own Grant and AuthorizationCode models (untimed, ${PLAN.codeBatch} per round), then exchanged at /token with client_secret_basic and the PKCE verifier by ${PLAN.tokenConcurrency} concurrent clients; rounds alternate between the providers`,
      refreshRotation: `${PLAN.refreshChains} independent chains per provider, each request spending the refresh token the previous one returned (rotation on every use); ${PLAN.refreshRounds} alternating rounds of ${PLAN.refreshSecondsPerRound} s`,
      logins: `whole linked logins (portal /auth -> broker -> demo upstream login form -> broker callback -> code -> /token) with a cookie jar, ${PLAN.linkedUsers} linked users in turn; closed loops at concurrency ${PLAN.loginConcurrencies.join('/')} (${PLAN.loginSecondsPerLevel} s each), the best is the maximum; then an open loop at half that rate for ${PLAN.pacedSeconds} s, latency counted from when each login was due`,
      redis: `the broker's dedicated Redis database emptied, ${PLAN.footprintLogins} logins, then MEMORY USAGE (SAMPLES 0) of every key in it, divided by the logins`,
    },
    httpFloor: rateSummary(parts.floor),
    tokenEndpoint: {
      concurrency: PLAN.tokenConcurrency,
      codeExchange: { broker: rateSummary(tokens.code.broker), bare: rateSummary(tokens.code.bare), ratio: round3(ratio(tokens.code.broker, tokens.code.bare)) },
      refreshRotation: {
        chains: PLAN.refreshChains,
        broker: rateSummary(tokens.refresh.broker),
        bare: rateSummary(tokens.refresh.bare),
        ratio: round3(ratio(tokens.refresh.broker, tokens.refresh.bare)),
      },
    },
    logins: {
      levels: logins.levels.map((level) => ({ concurrency: level.concurrency, ...rateSummary(level.totals) })),
      max: { concurrency: logins.max.concurrency, ...rateSummary(logins.max.totals) },
      paced: { targetRate: Math.round(logins.pacedRate * 10) / 10, ...paced },
      pacedStalls: logins.pacedStalls,
      hops: logins.hops,
    },
    redis: footprint,
    cpuProfile: {
      about: 'share of the process CPU by library (V8 sampling profile of short untimed runs), and CPU ms per refresh request / per login',
      brokerRefresh: tokens.refreshProfile.broker,
      bareRefresh: tokens.refreshProfile.bare,
      logins: logins.profile,
    },
    missedByUnit: 'percent of the target',
    targets: [
      check('code-exchange-ratio', 'code exchange, broker/bare', '>=', 0.6, ratio(tokens.code.broker, tokens.code.bare), 'ratio'),
      check('refresh-ratio', 'refresh grant, broker/bare', '>=', 0.6, ratio(tokens.refresh.broker, tokens.refresh.bare), 'ratio'),
      check('refresh-rate', 'refresh grants, broker', '>=', 800, totalsRate(tokens.refresh.broker), 'req/s'),
      check('login-rate', 'linked logins, whole setup', '>=', 100, logins.maxRate, 'logins/s'),
      // A paced run that dropped or failed logins has no trustworthy p99: it does not meet the target.
      check('login-p99-half-rate', `login p99 at ${logins.pacedRate.toFixed(1)}/s (half the max)`, '<', 100, paced.failed > 0 ? Number.NaN : paced.latencyMs.p99, 'ms'),
      check('redis-per-session', 'Redis per session', '<=', 5120, footprint.bytesPerLogin, 'bytes'),
    ],
  };
}
