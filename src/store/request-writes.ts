import { AsyncLocalStorage } from 'node:async_hooks';
import type { Middleware } from 'koa';
import { placementOf } from './redis-keys.ts';
import { isCluster, type Redis } from './redis.ts';

type Transaction = ReturnType<Redis['multi']>;
type Write = (transaction: Transaction) => void;

/**
 * Commands on keys that a Redis Cluster keeps in one slot (the same hash tag, or one key): `keys` names every key
 * `write` touches. On one server every group of a request goes into one MULTI; on a cluster one MULTI per slot.
 */
export interface WriteGroup {
  keys: readonly string[];
  write: Write;
}

/**
 * The Redis adapter's writes of one request, sent together in one MULTI/EXEC when the request's handling ends
 * (before the response is written), instead of one round trip per model saved. oidc-provider saves a grant, a code,
 * the session and destroys the interaction one after the other in a single authorization response; the same three
 * or four round trips become one. What keeps this safe:
 * - the response, and so anything the client does next, waits for the flush; a failed flush fails the request;
 * - a read of a key with a write pending flushes first, so the request reads its own writes;
 * - what must be atomic or immediate is not deferred: consume() (the one-time use of codes and refresh tokens) and
 *   revokeByGrantId flush what is pending and run at once (a code is consumed by the very read that finds it);
 * - after the flush, writes of work the request left running (back-channel logout) go straight to Redis.
 * Records read ahead (a token's grant and session, fetched with the token in one round trip) are kept here for the
 * rest of the request. On a Redis Cluster the flush is one MULTI per slot, sent together (see sendWrites).
 */
export class RequestWrites {
  readonly #redis: Redis;
  #writes: WriteGroup[] = [];
  readonly #keys = new Set<string>();
  readonly #readAhead = new Map<string, string | null>();
  readonly #consumedByRead = new Set<string>();
  #closed = false;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  get open(): boolean {
    return !this.#closed;
  }

  defer(keys: readonly string[], write: Write): void {
    for (const key of keys) {
      this.#keys.add(key);
      this.#readAhead.delete(key);
    }
    this.#writes.push({ keys, write });
  }

  pending(key: string): boolean {
    return this.#keys.has(key);
  }

  /** A record fetched ahead in this request (null: known not to exist), or undefined when not fetched. */
  readAhead(key: string): string | null | undefined {
    return this.#readAhead.get(key);
  }

  keepReadAhead(key: string, json: string | null): void {
    if (!this.#keys.has(key)) this.#readAhead.set(key, json);
  }

  /** A one-time token this request consumed as it read it (the adapter's code read): its consume() is done. */
  markConsumed(key: string): void {
    this.#consumedByRead.add(key);
  }

  consumedByRead(key: string): boolean {
    return this.#consumedByRead.has(key);
  }

  forget(key: string): void {
    this.#readAhead.delete(key);
  }

  async flush(): Promise<void> {
    const writes = this.#writes;
    this.#writes = [];
    this.#keys.clear();
    await sendWrites(this.#redis, writes);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }
}

/** EXEC, failing when any command in the transaction failed. */
export async function commit(transaction: Transaction): Promise<void> {
  // Redis carries on with the rest of a transaction when one command fails, and ioredis resolves EXEC all the same.
  const failed = (await transaction.exec())?.find(([error]) => error !== null);
  if (failed?.[0]) throw failed[0];
}

/**
 * Sends groups of writes: in one MULTI on one server (or behind Sentinels), so they apply all together; on a cluster
 * in one MULTI per slot, all sent at once, so the round trip costs the same but each slot's writes apply on their
 * own: a failure can leave some slots written and not others. The callers live with that: an index written without
 * its record expires unused, and a record written without its index is found by id and only misses the index's
 * use (a token missing from its grant's set is still refused once the grant is gone; oidc-provider checks it).
 */
export async function sendWrites(redis: Redis, groups: readonly WriteGroup[]): Promise<void> {
  if (groups.length === 0) return;
  if (!isCluster(redis)) {
    const transaction = redis.multi();
    for (const { write } of groups) write(transaction);
    return commit(transaction);
  }
  const bySlot = new Map<string, Write[]>();
  for (const { keys, write } of groups) {
    const placement = placementOf(keys[0] ?? '');
    // A programming error, caught by the cluster tests before Redis answers CROSSSLOT.
    const stray = keys.find((key) => placementOf(key) !== placement);
    if (stray !== undefined)
      throw new Error(`Redis writes: ${keys[0]} and ${stray} are in one group but not in one slot`);
    bySlot.set(placement, [...(bySlot.get(placement) ?? []), write]);
  }
  const results = await Promise.allSettled(
    [...bySlot.values()].map((writes) => {
      const transaction = redis.multi();
      for (const write of writes) write(transaction);
      return commit(transaction);
    }),
  );
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

const current = new AsyncLocalStorage<RequestWrites>();

/** The writes of the request being handled, if the adapter runs within one that batches them. */
export function requestWrites(): RequestWrites | undefined {
  const writes = current.getStore();
  return writes?.open ? writes : undefined;
}

/**
 * Writes that belong with the request's (an index kept beside the adapter's records): in its MULTI when a request
 * batches its writes, otherwise in a MULTI of their own, sent now. `keys` share one slot (see WriteGroup).
 */
export async function writeWithRequest(redis: Redis, keys: readonly string[], commands: Write): Promise<void> {
  await writeGroupsWithRequest(redis, [{ keys, write: commands }]);
}

/** writeWithRequest for writes to keys of several slots (a record and its indexes). */
export async function writeGroupsWithRequest(redis: Redis, groups: readonly WriteGroup[]): Promise<void> {
  const batch = requestWrites();
  if (!batch) return sendWrites(redis, groups);
  for (const { keys, write } of groups) batch.defer(keys, write);
}

/**
 * oidc-provider middleware: the adapter's writes of each request go to Redis in one MULTI when the request's
 * handling ends. A request that fails still writes what it did before failing, as it would have unbatched.
 */
export function batchRequestWrites(redis: Redis): Middleware {
  return async (_ctx, next) => {
    const writes = new RequestWrites(redis);
    let failure: unknown;
    try {
      await current.run(writes, next);
    } catch (error) {
      failure = error;
    }
    try {
      await writes.close();
    } catch (error) {
      failure ??= error;
    }
    if (failure !== undefined) throw failure;
  };
}
