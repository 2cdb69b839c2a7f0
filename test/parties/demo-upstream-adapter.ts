import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';
import { GRANTABLE } from '../../src/provider/redis-adapter.ts';

// Expired entries are dropped when read; a full sweep every so many writes keeps a long benchmark run bounded.
const SWEEP_EVERY_WRITES = 5_000;

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

/**
 * A per-instance in-memory store for the demo upstream. oidc-provider's built-in memory adapter is a module-wide
 * LRU of 1,000 entries (a benchmark evicts live sessions and codes) and prints a development warning when chosen
 * by default; this one is a plain Map with expiry, shared by nothing else.
 */
export function createMemoryAdapter(): AdapterFactory {
  const entries = new Map<string, Entry>();
  const index = new Map<string, string>(); // `sessionUid:` / `userCode:` → key of the record
  const grants = new Map<string, Set<string>>(); // grantId → keys of the tokens issued under it
  let writes = 0;

  function live(key: string): AdapterPayload | undefined {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry?.payload;
  }

  function sweep(): void {
    const now = Date.now();
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
    for (const [name, key] of index) if (!entries.has(key)) index.delete(name);
    for (const [grantId, keys] of grants) {
      for (const key of keys) if (!entries.has(key)) keys.delete(key);
      if (keys.size === 0) grants.delete(grantId);
    }
  }

  function unindex(key: string, payload: AdapterPayload): void {
    // A regenerated session keeps the uid of the one it replaces and oidc-provider destroys the old record after
    // saving the new one: the index may only go while it still names the record being removed.
    for (const name of [`sessionUid:${payload.uid}`, `userCode:${payload.userCode}`]) {
      if (index.get(name) === key) index.delete(name);
    }
  }

  return (model: string): Adapter => {
    const keyOf = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        const key = keyOf(id);
        const expiresAt = expiresIn === undefined ? Infinity : Date.now() + expiresIn * 1000;
        entries.set(key, { payload, expiresAt });
        if (model === 'Session' && payload.uid) index.set(`sessionUid:${payload.uid}`, key);
        if (payload.userCode) index.set(`userCode:${payload.userCode}`, key);
        if (GRANTABLE.has(model) && payload.grantId) {
          const keys = grants.get(payload.grantId) ?? new Set<string>();
          grants.set(payload.grantId, keys.add(key));
        }
        writes += 1;
        if (writes % SWEEP_EVERY_WRITES === 0) sweep();
      },
      async find(id) {
        return live(keyOf(id));
      },
      async findByUid(uid) {
        const key = index.get(`sessionUid:${uid}`);
        return key === undefined ? undefined : live(key);
      },
      async findByUserCode(userCode) {
        const key = index.get(`userCode:${userCode}`);
        return key === undefined ? undefined : live(key);
      },
      async consume(id) {
        const payload = live(keyOf(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        const key = keyOf(id);
        const payload = live(key);
        entries.delete(key);
        if (payload) unindex(key, payload);
      },
      async revokeByGrantId(grantId) {
        for (const key of grants.get(grantId) ?? []) entries.delete(key);
        grants.delete(grantId);
      },
    };
  };
}
