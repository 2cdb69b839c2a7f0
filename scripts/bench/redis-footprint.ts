import type { BenchRedis } from './bench-redis.ts';

export interface KeyGroup {
  /** The key name up to its first colon: the oidc-provider model (`Session`, `AccessToken`, ...) or index. */
  type: string;
  keys: number;
  bytes: number;
  bytesPerLogin: number;
}

export interface Footprint {
  logins: number;
  keys: number;
  bytes: number;
  bytesPerLogin: number;
  keysPerLogin: number;
  /** Keys living at most 60 s more (consumed authorization codes): gone a minute after the logins. */
  transient: { keys: number; bytes: number };
  /** Per login without the transient keys: what an active session keeps for the rest of its lifetime. */
  lastingBytesPerLogin: number;
  byType: KeyGroup[];
}

const TRANSIENT_MS = 60_000;

/**
 * What `logins` logins left in the broker's Redis database (emptied before them): `MEMORY USAGE` of every key, by
 * scanning the whole dedicated database, so keys of any kind the broker writes are counted without a list of names.
 */
export async function measureFootprint(redis: BenchRedis, logins: number): Promise<Footprint> {
  const keys = await redis.keys();
  const [sizes, ttls] = await Promise.all([redis.memoryUsage(keys), redis.ttlsMs(keys)]);
  const groups = new Map<string, { keys: number; bytes: number }>();
  let bytes = 0;
  const transient = { keys: 0, bytes: 0 };
  keys.forEach((key, i) => {
    const size = sizes[i] ?? 0;
    const ttl = ttls[i] ?? -1;
    bytes += size;
    if (ttl >= 0 && ttl <= TRANSIENT_MS) {
      transient.keys += 1;
      transient.bytes += size;
    }
    const type = key.includes(':') ? key.slice(0, key.indexOf(':')) : key;
    const group = groups.get(type) ?? { keys: 0, bytes: 0 };
    group.keys += 1;
    group.bytes += size;
    groups.set(type, group);
  });
  const per = (value: number) => Math.round((value / Math.max(1, logins)) * 10) / 10;
  return {
    logins,
    keys: keys.length,
    bytes,
    bytesPerLogin: per(bytes),
    keysPerLogin: per(keys.length),
    transient,
    lastingBytesPerLogin: per(bytes - transient.bytes),
    byType: [...groups]
      .map(([type, group]) => ({ type, ...group, bytesPerLogin: per(group.bytes) }))
      .sort((a, b) => b.bytes - a.bytes),
  };
}
