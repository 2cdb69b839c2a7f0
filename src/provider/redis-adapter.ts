import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider';
import type { Redis } from '../store/redis.ts';

export interface RedisAdapterOptions {
  /** Prepended to every key the adapter writes, after the ioredis client's own `keyPrefix` if it has one. */
  keyPrefix?: string;
}

// The models oidc-provider revokes together through revokeByGrantId (the same list as its memory adapter).
export const GRANTABLE: ReadonlySet<string> = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

// The models with a consume(): kept as a hash so that consuming sets one field atomically. Rewriting the JSON instead
// would lose a concurrent write, or in a Lua script turn empty arrays into objects (cjson cannot tell them apart).
const CONSUMABLE = new Set([
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
  'PushedAuthorizationRequest',
]);

// A bare HSET on an expired or destroyed token would create a hash without a TTL that nothing ever removes.
const CONSUME_IF_PRESENT = "if redis.call('exists', KEYS[1]) == 1 then redis.call('hset', KEYS[1], 'consumed', ARGV[1]) end";

// A regenerated session keeps the uid of the one it replaces, and oidc-provider destroys the old one after saving the
// new one: the index may only go if it still names the record being destroyed.
const DELETE_IF_VALUE = "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end";

type Transaction = ReturnType<Redis['multi']>;

async function commit(transaction: Transaction): Promise<void> {
  // Redis carries on with the rest of a transaction when one command fails, and ioredis resolves EXEC all the same.
  const failed = (await transaction.exec())?.find(([error]) => error !== null);
  if (failed?.[0]) throw failed[0];
}

function ttlSeconds(model: string, expiresIn: number | undefined): number {
  // Nothing sweeps Redis, so a key without a TTL would stay forever; oidc-provider omits expiresIn only when it
  // stores dynamically registered clients, which the broker does not enable.
  if (expiresIn === undefined || !Number.isFinite(expiresIn)) {
    throw new TypeError(`Redis adapter: ${model} upserted without expiresIn; every key needs a TTL`);
  }
  // Session#persist passes what is left of its lifetime, which can reach 0: EXPIRE refuses 0, and a one-second
  // leftover is harmless because oidc-provider checks `exp` itself.
  return Math.max(1, Math.ceil(expiresIn));
}

function parse(json: string): AdapterPayload {
  return JSON.parse(json) as AdapterPayload;
}

const epochSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * An oidc-provider `adapter` on Redis. Keys are `{keyPrefix}{model}:{id}` with the payload as compact JSON (a hash
 * of `payload` and `consumed` for consumable models), `{keyPrefix}grant:{grantId}` (a set of the keys to revoke with
 * the grant), `{keyPrefix}sessionUid:{uid}` and `{keyPrefix}userCode:{userCode}` (the id they point to). Every key
 * expires with its record, and each upsert or destroy writes its keys in one MULTI.
 */
export function createRedisAdapter(redis: Redis, { keyPrefix = '' }: RedisAdapterOptions = {}): AdapterConstructor {
  // Grant sets hold key names as the adapter writes them: ioredis adds its own keyPrefix to command keys only, so a
  // name read back from a set is prefixed exactly once more when it is passed to DEL.
  const grantKey = (grantId: string): string => `${keyPrefix}grant:${grantId}`;
  const uidKey = (uid: string): string => `${keyPrefix}sessionUid:${uid}`;
  const userCodeKey = (userCode: string): string => `${keyPrefix}userCode:${userCode}`;

  return class RedisAdapter implements Adapter {
    readonly name: string;
    readonly #consumable: boolean;
    readonly #grantable: boolean;

    constructor(name: string) {
      this.name = name;
      this.#consumable = CONSUMABLE.has(name);
      this.#grantable = GRANTABLE.has(name);
    }

    #key(id: string): string {
      return `${keyPrefix}${this.name}:${id}`;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const ttl = ttlSeconds(this.name, expiresIn);
      const key = this.#key(id);
      const json = JSON.stringify(payload);
      const transaction = redis.multi();
      // DEL first so that a `consumed` left from an earlier version does not outlive the payload that replaces it.
      if (this.#consumable) transaction.del(key).hset(key, 'payload', json).expire(key, ttl);
      else transaction.set(key, json, 'EX', ttl);

      const revocable = [key];
      if (payload.userCode) {
        transaction.set(userCodeKey(payload.userCode), id, 'EX', ttl);
        revocable.push(userCodeKey(payload.userCode));
      }
      if (this.name === 'Session' && payload.uid) transaction.set(uidKey(payload.uid), id, 'EX', ttl);
      if (this.#grantable && payload.grantId) {
        const grant = grantKey(payload.grantId);
        // NX gives a new set its first TTL; GT then lengthens it for a longer-lived member but never shortens it.
        transaction.sadd(grant, ...revocable).expire(grant, ttl, 'NX').expire(grant, ttl, 'GT');
      }
      await commit(transaction);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const key = this.#key(id);
      if (!this.#consumable) {
        const json = await redis.get(key);
        return json === null ? undefined : parse(json);
      }
      const { payload, consumed } = await redis.hgetall(key);
      if (payload === undefined) return undefined;
      return consumed === undefined ? parse(payload) : { ...parse(payload), consumed: Number(consumed) };
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const id = await redis.get(uidKey(uid));
      return id === null ? undefined : this.find(id);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const id = await redis.get(userCodeKey(userCode));
      return id === null ? undefined : this.find(id);
    }

    async consume(id: string): Promise<void> {
      await redis.eval(CONSUME_IF_PRESENT, 1, this.#key(id), epochSeconds());
    }

    async destroy(id: string): Promise<void> {
      const key = this.#key(id);
      const payload = await this.find(id);
      const transaction = redis.multi().del(key);
      const revocable = [key];
      if (payload?.userCode) {
        transaction.eval(DELETE_IF_VALUE, 1, userCodeKey(payload.userCode), id);
        revocable.push(userCodeKey(payload.userCode));
      }
      if (this.name === 'Session' && payload?.uid) transaction.eval(DELETE_IF_VALUE, 1, uidKey(payload.uid), id);
      if (this.#grantable && payload?.grantId) transaction.srem(grantKey(payload.grantId), ...revocable);
      await commit(transaction);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const grant = grantKey(grantId);
      const members = await redis.smembers(grant);
      if (members.length === 0) return;
      // SREM of what was read rather than DEL of the set: a token of the grant saved since SMEMBERS keeps its index
      // entry and stays revocable. Redis removes the set itself once it is empty.
      await commit(redis.multi().del(...members).srem(grant, ...members));
    }
  };
}
