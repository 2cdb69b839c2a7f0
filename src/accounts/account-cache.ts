import { LRUCache } from 'lru-cache';
import type { Membership, PeopleDirectory } from './people-directory.ts';

export interface MembershipReader {
  /** The person's memberships that count (active accounts, active contacts). */
  membershipsOf(personId: string): Promise<Membership[]>;
}

export interface MembershipCacheOptions {
  /** How long a read is reused; a change (plan, status, contact, membership) shows in tokens after at most this long. */
  ttlMs: number;
  maxEntries?: number;
}

/**
 * Memberships as the token endpoint reads them: every code exchange, refresh and userinfo call loads the person's
 * accounts for their claims, and the entitlement check on every authorization. A few seconds of reuse takes MongoDB
 * out of that hot path (see scripts/bench) at the price of that much delay before a change reaches new tokens.
 */
export function cachedMemberships(directory: PeopleDirectory, { ttlMs, maxEntries = 10_000 }: MembershipCacheOptions): MembershipReader {
  const read = async (personId: string) => (await directory.membershipsOf(personId)).filter((m) => m.account.status === 'active');
  // lru-cache takes a ttl of 0 as "never expires": no reuse at all is what 0 means here.
  if (ttlMs === 0) return { membershipsOf: read };
  const cache = new LRUCache<string, Membership[]>({ max: maxEntries, ttl: ttlMs, fetchMethod: (personId) => read(personId) });
  return {
    async membershipsOf(personId) {
      return (await cache.fetch(personId)) ?? [];
    },
  };
}
