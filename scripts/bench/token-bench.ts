import type Provider from 'oidc-provider';
import { LOGIN_SCOPE, OFFLINE_SCOPE } from './bench-parties.ts';
import { closedLoop, type RunResult } from './load-pool.ts';
import { mintCodes } from './mint-codes.ts';
import { timed, type Totals } from './run-totals.ts';
import type { StoreCounters } from './store-counters.ts';
import { exchangeCode, refresh } from './token-requests.ts';

/** A provider under test: its issuer (token endpoint at /token), its oidc-provider for minting, store counters. */
export interface TokenTarget {
  name: 'broker' | 'bare';
  issuer: string;
  provider: Provider;
  accountIds: readonly string[];
  counters?: StoreCounters;
}

/**
 * One timed round of code exchange: `batch` fresh codes minted (untimed), then exchanged by `concurrency` workers.
 * Batches stay small because the bare provider's default memory adapter is an LRU of 1,000 entries shared by the
 * whole process (a minted code takes 3 entries, its exchange 1 more): larger batches would be evicted before use.
 */
export async function codeExchangeRound(
  target: TokenTarget,
  totals: Totals,
  options: { batch: number; concurrency: number; maxMs: number },
): Promise<void> {
  const codes = await mintCodes(target.provider, target.accountIds, options.batch, LOGIN_SCOPE);
  await timed(totals, target.counters, () =>
    closedLoop({
      concurrency: options.concurrency,
      maxCount: codes.length,
      maxMs: options.maxMs,
      task: async (index) => {
        const tokens = await exchangeCode(target.issuer, codes[index] ?? '');
        if (!tokens.id_token) throw new Error('no ID token');
      },
    }),
  );
}

/** Independent refresh-token chains of one target: each refresh spends the token the previous one returned. */
export class RefreshChains {
  readonly #target: TokenTarget;
  readonly #tokens: string[];

  private constructor(target: TokenTarget, tokens: string[]) {
    this.#target = target;
    this.#tokens = tokens;
  }

  /** Starts `chains` chains, each from a code minted with offline_access and exchanged (untimed). */
  static async start(target: TokenTarget, chains: number): Promise<RefreshChains> {
    const codes = await mintCodes(target.provider, target.accountIds, chains, OFFLINE_SCOPE);
    const tokens = await Promise.all(
      codes.map(async (code) => {
        const { refresh_token: refreshToken } = await exchangeCode(target.issuer, code);
        if (!refreshToken) throw new Error(`${target.name}: no refresh token for offline_access`);
        return refreshToken;
      }),
    );
    return new RefreshChains(target, tokens);
  }

  /** Every chain advances at once, one request at a time each, for `maxMs` or `maxPerChain` refreshes. */
  async round(totals: Totals, options: { maxMs: number; maxPerChain: number }): Promise<void> {
    await timed(totals, this.#target.counters, async () => {
      const runs = await Promise.all(this.#tokens.map((_, chain) => this.#chain(chain, options)));
      // Side by side: the span is the longest chain's, the work is all of theirs.
      const merged: RunResult = { completed: 0, failed: 0, elapsedMs: 0, latenciesMs: [], errors: [], skipped: 0 };
      for (const run of runs) {
        merged.completed += run.completed;
        merged.failed += run.failed;
        merged.elapsedMs = Math.max(merged.elapsedMs, run.elapsedMs);
        for (const latency of run.latenciesMs) merged.latenciesMs.push(latency);
        merged.errors.push(...run.errors);
      }
      return merged;
    });
  }

  #chain(chain: number, options: { maxMs: number; maxPerChain: number }): Promise<RunResult> {
    return closedLoop({
      concurrency: 1,
      maxCount: options.maxPerChain,
      maxMs: options.maxMs,
      task: async () => {
        const spent = this.#tokens[chain] ?? '';
        const tokens = await refresh(this.#target.issuer, spent);
        // Rotation: the next request must use the new token, the spent one is consumed.
        if (!tokens.refresh_token || tokens.refresh_token === spent) throw new Error('refresh token not rotated');
        this.#tokens[chain] = tokens.refresh_token;
      },
    });
  }
}
