import { LRUCache } from 'lru-cache';
import type { AccountRecord } from './account-model.ts';
import type { AccountStore } from './account-store.ts';

export interface AccountReader {
  findAccountById(id: string): Promise<AccountRecord | null>;
}

export interface AccountCacheOptions {
  /** How long a read account is reused; a change (plan, status, e-mail) shows in tokens after at most this long. */
  ttlMs: number;
  maxEntries?: number;
}

/**
 * Accounts as the token endpoint reads them: every code exchange, refresh and userinfo call loads the account for
 * its claims, and the entitlement check loads it on every authorization. A few seconds of reuse takes MongoDB out
 * of that hot path (see scripts/bench) at the price of that much delay before a change reaches new tokens.
 */
export function cachedAccounts(store: AccountStore, { ttlMs, maxEntries = 10_000 }: AccountCacheOptions): AccountReader {
  // lru-cache takes a ttl of 0 as "never expires": no reuse at all is what 0 means here.
  if (ttlMs === 0) return store;
  const cache = new LRUCache<string, AccountRecord>({
    max: maxEntries,
    ttl: ttlMs,
    fetchMethod: async (id) => (await store.findAccountById(id)) ?? undefined,
  });
  return {
    async findAccountById(id) {
      return (await cache.fetch(id)) ?? null;
    },
  };
}
