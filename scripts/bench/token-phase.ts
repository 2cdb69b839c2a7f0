import { profileCpu, type CpuShare } from './cpu-profile.ts';
import { PLAN, type Log } from './plan.ts';
import { emptyTotals, totalsRate, type Totals } from './run-totals.ts';
import { codeExchangeRound, RefreshChains, type TokenTarget } from './token-bench.ts';

type Pair<T> = Record<'broker' | 'bare', T>;
const BOTH = ['bare', 'broker'] as const;

export interface TokenPhase {
  code: Pair<Totals>;
  refresh: Pair<Totals>;
  /** Where the CPU of a refresh request goes, per provider. */
  refreshProfile: Pair<{ units: number; shares: CpuShare[] }>;
}

/**
 * (a) The token endpoint of the broker and of the bare provider, in alternating rounds so that neither gets a
 * warmer process or a quieter machine: a warm-up round each, then code exchange until each has been timed for
 * `codeSecondsEach`, then refresh chains.
 */
export async function runTokenPhase(targets: Pair<TokenTarget>, log: Log): Promise<TokenPhase> {
  const code: Pair<Totals> = { broker: emptyTotals(), bare: emptyTotals() };
  const codeOptions = { batch: PLAN.codeBatch, concurrency: PLAN.tokenConcurrency, maxMs: 5000 };
  for (const name of BOTH) await codeExchangeRound(targets[name], emptyTotals(), { ...codeOptions, batch: 100 });
  for (let round = 0; round < PLAN.maxCodeRounds; round += 1) {
    const pending = BOTH.filter((name) => code[name].elapsedMs < PLAN.codeSecondsEach * 1000);
    if (pending.length === 0) break;
    for (const name of pending) await codeExchangeRound(targets[name], code[name], codeOptions);
  }
  log(`code exchange: broker ${totalsRate(code.broker).toFixed(0)}/s, bare ${totalsRate(code.bare).toFixed(0)}/s`);

  const chains: Pair<RefreshChains> = {
    broker: await RefreshChains.start(targets.broker, PLAN.refreshChains),
    bare: await RefreshChains.start(targets.bare, PLAN.refreshChains),
  };
  const refresh: Pair<Totals> = { broker: emptyTotals(), bare: emptyTotals() };
  for (const name of BOTH) await chains[name].round(emptyTotals(), { maxMs: 500, maxPerChain: 200 });
  for (let round = 0; round < PLAN.refreshRounds; round += 1) {
    for (const name of BOTH) {
      await chains[name].round(refresh[name], { maxMs: PLAN.refreshSecondsPerRound * 1000, maxPerChain: 2000 });
    }
  }
  log(`refresh: broker ${totalsRate(refresh.broker).toFixed(0)}/s, bare ${totalsRate(refresh.bare).toFixed(0)}/s`);

  // Untimed, under the sampling profiler (which slows them a little).
  const profile = (name: 'broker' | 'bare') =>
    profileCpu(async () => {
      const totals = emptyTotals();
      await chains[name].round(totals, { maxMs: PLAN.profileSeconds * 1000, maxPerChain: 1000 });
      return totals.completed;
    });
  return { code, refresh, refreshProfile: { broker: await profile('broker'), bare: await profile('bare') } };
}
