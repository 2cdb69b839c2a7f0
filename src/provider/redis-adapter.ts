import type Provider from 'oidc-provider';
import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider';
import { taggedKey } from '../store/redis-keys.ts';
import { isCluster, type Redis } from '../store/redis.ts';
import {
  commit,
  requestWrites,
  writeGroupsWithRequest,
  type RequestWrites,
  type WriteGroup,
} from '../store/request-writes.ts';

export interface RedisAdapterOptions {
  /** Prepended to every key the adapter writes, after the ioredis client's own `keyPrefix` if it has one. */
  keyPrefix?: string;
}

// The models oidc-provider revokes together through revokeByGrantId (the same list as its memory adapter).
export const GRANTABLE_MODELS = [
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
] as const satisfies readonly (keyof Provider)[];
export const GRANTABLE: ReadonlySet<string> = new Set(GRANTABLE_MODELS);

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

/** What a spent authorization code keeps (see READ_WITH_GRANT_AND_SESSION). */
export const SPENT_CODE_FIELDS = [
  'jti',
  'kind',
  'iat',
  'exp',
  'clientId',
  'grantId',
  'redirectUri',
  'codeChallenge',
  'codeChallengeMethod',
  'attestationJkt',
] as const;

// A bare HSET on an expired or destroyed token would create a hash without a TTL that nothing ever removes.
const CONSUME_IF_PRESENT =
  "if redis.call('exists', KEYS[1]) == 1 then redis.call('hset', KEYS[1], 'consumed', ARGV[1]) end";

// A regenerated session keeps the uid of the one it replaces, and oidc-provider destroys the old one after saving the
// new one: the index may only go if it still names the record being destroyed.
const DELETE_IF_VALUE = "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end";

// A token and what oidc-provider reads right after it in the same request — its grant, and the session it belongs
// to (by uid) — in one round trip instead of three (refresh and code grants), when ARGV[2] is '1'. With ARGV[3] (a
// time), a token not yet consumed is consumed in the same step, and the record is returned as it was before. Keys
// outside KEYS are fine on one server or behind Sentinels; a Redis Cluster refuses them (they live in other slots,
// and the token's id cannot carry its grant's tag), so there ARGV[2] is '0' and the adapter reads them itself.
//
// A spent code is kept until it expires only so that a replay finds it used and its grant is revoked (RFC 6749
// 4.1.2): it keeps no more than oidc-provider's authorization_code grant reads of a code before it reaches that
// point (lib/actions/grants/authorization_code.js: client, expiry, grant, PKCE, redirect URI, attestation binding).
// The rest (account, claims, nonce, session) leaves Redis with its first use (the code's 944 B become 688 B).
// Only scalar fields are kept, so cjson's empty-array ambiguity cannot touch them.
const READ_WITH_GRANT_AND_SESSION = `
local fields = redis.call('hgetall', KEYS[1])
local payload, consumed
for i = 1, #fields, 2 do
  if fields[i] == 'payload' then payload = fields[i + 1] elseif fields[i] == 'consumed' then consumed = fields[i + 1] end
end
if not payload then return {} end
local ok, decoded = pcall(cjson.decode, payload)
if ok and type(decoded) ~= 'table' then ok = false end
if ARGV[3] and not consumed then
  if ok then
    local kept = {}
    for _, name in ipairs(${JSON.stringify(SPENT_CODE_FIELDS).replace('[', '{').replace(']', '}')}) do kept[name] = decoded[name] end
    redis.call('hset', KEYS[1], 'payload', cjson.encode(kept), 'consumed', ARGV[3])
  else
    redis.call('hset', KEYS[1], 'consumed', ARGV[3])
  end
end
local grant, sessionId, session = false, false, false
if ok and ARGV[2] == '1' then
  if type(decoded.grantId) == 'string' then grant = redis.call('get', ARGV[1] .. 'Grant:' .. decoded.grantId) end
  if type(decoded.sessionUid) == 'string' then
    sessionId = redis.call('get', ARGV[1] .. 'sessionUid:' .. decoded.sessionUid)
    if sessionId then session = redis.call('get', ARGV[1] .. 'Session:' .. sessionId) end
  end
end
return {payload, consumed or false, grant, sessionId, session}
`;

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
 * The adapter's key names: `{keyPrefix}{model}:{id}`, `grant:{grantId}`, `sessionUid:{uid}`, `userCode:{userCode}`
 * on one server (names kept from before the cluster work, so live sessions survive an upgrade); on a Redis Cluster
 * the id is a hash tag (`Session:{id}`), which puts a grant and its set of tokens (`Grant:{g}`, `grant:{g}`) in one
 * slot. Tests and the docs' key list name keys through this.
 */
export function adapterKeys(cluster: boolean, keyPrefix = '') {
  return {
    grant: (grantId: string): string => `${keyPrefix}${taggedKey(cluster, 'grant', grantId)}`,
    sessionUid: (uid: string): string => `${keyPrefix}${taggedKey(cluster, 'sessionUid', uid)}`,
    userCode: (userCode: string): string => `${keyPrefix}${taggedKey(cluster, 'userCode', userCode)}`,
    model: (model: string, id: string): string => `${keyPrefix}${taggedKey(cluster, model, id)}`,
  };
}

type AdapterKeys = ReturnType<typeof adapterKeys>;

interface RecordWrite {
  /** The record's own key, and its id. */
  key: string;
  id: string;
  payload: AdapterPayload | undefined;
  grantable: boolean;
  session: boolean;
}

/** An upsert's writes: the record, and the indexes that find it (user code, session uid) or revoke it (its grant). */
function upsertGroups(
  keys: AdapterKeys,
  record: RecordWrite & { payload: AdapterPayload; ttl: number; consumable: boolean },
): WriteGroup[] {
  const { key, id, payload, ttl } = record;
  const json = JSON.stringify(payload);
  const revocable = [key];
  const groups: WriteGroup[] = [
    // DEL first so that a `consumed` left from an earlier version does not outlive the payload that replaces it.
    record.consumable
      ? { keys: [key], write: (t) => t.del(key).hset(key, 'payload', json).expire(key, ttl) }
      : { keys: [key], write: (t) => t.set(key, json, 'EX', ttl) },
  ];
  if (payload.userCode) {
    const userCode = keys.userCode(payload.userCode);
    revocable.push(userCode);
    groups.push({ keys: [userCode], write: (t) => t.set(userCode, id, 'EX', ttl) });
  }
  if (record.session && payload.uid) {
    const uid = keys.sessionUid(payload.uid);
    groups.push({ keys: [uid], write: (t) => t.set(uid, id, 'EX', ttl) });
  }
  if (record.grantable && payload.grantId) {
    const grant = keys.grant(payload.grantId);
    // NX gives a new set its first TTL; GT then lengthens it for a longer-lived member but never shortens it.
    groups.push({
      keys: [grant],
      write: (t) =>
        t
          .sadd(grant, ...revocable)
          .expire(grant, ttl, 'NX')
          .expire(grant, ttl, 'GT'),
    });
  }
  return groups;
}

/** A destroy's writes: the record, and index entries that still point to it (never one a newer record took over). */
function destroyGroups(keys: AdapterKeys, record: RecordWrite): WriteGroup[] {
  const { key, id, payload } = record;
  const revocable = [key];
  const groups: WriteGroup[] = [{ keys: [key], write: (t) => t.del(key) }];
  if (payload?.userCode) {
    const userCode = keys.userCode(payload.userCode);
    revocable.push(userCode);
    groups.push({ keys: [userCode], write: (t) => t.eval(DELETE_IF_VALUE, 1, userCode, id) });
  }
  if (record.session && payload?.uid) {
    const uid = keys.sessionUid(payload.uid);
    groups.push({ keys: [uid], write: (t) => t.eval(DELETE_IF_VALUE, 1, uid, id) });
  }
  if (record.grantable && payload?.grantId) {
    const grant = keys.grant(payload.grantId);
    groups.push({ keys: [grant], write: (t) => t.srem(grant, ...revocable) });
  }
  return groups;
}

/**
 * On a cluster, what the script reads on one server: the grant and the session's id at once (two slots, one round
 * trip as they are sent together), then the session (a third slot): two round trips more than on one server.
 */
async function readRelatedOnCluster(
  redis: Redis,
  keys: AdapterKeys,
  token: AdapterPayload,
): Promise<Array<string | null | undefined>> {
  const [grant, sessionId] = await Promise.all([
    typeof token.grantId === 'string' ? redis.get(keys.model('Grant', token.grantId)) : undefined,
    typeof token.sessionUid === 'string' ? redis.get(keys.sessionUid(token.sessionUid)) : undefined,
  ]);
  const session = sessionId ? await redis.get(keys.model('Session', sessionId)) : undefined;
  return [grant, sessionId, session];
}

/** A key's record: from this request's read-ahead, after flushing a write of it still pending, or from Redis. */
async function readString(redis: Redis, key: string): Promise<string | null> {
  const batch = requestWrites();
  if (batch?.pending(key)) await batch.flush();
  const ahead = batch?.readAhead(key);
  return ahead !== undefined ? ahead : redis.get(key);
}

/** Removes every token of a grant that its set names, and those names from the set. */
async function revokeGrant(redis: Redis, cluster: boolean, grant: string): Promise<void> {
  // Tokens of the grant saved earlier in this request must be in its set before it is read.
  await requestWrites()?.flush();
  const members = await redis.smembers(grant);
  if (members.length === 0) return;
  // SREM of what was read rather than DEL of the set: a token of the grant saved since SMEMBERS keeps its index
  // entry and stays revocable. Redis removes the set itself once it is empty.
  if (!cluster) {
    await commit(
      redis
        .multi()
        .del(...members)
        .srem(grant, ...members),
    );
    return;
  }
  // On a cluster each token is in a slot of its own: one DEL each, all sent at once with the SREM (the same one
  // round trip after SMEMBERS; no longer atomic: a failure part-way leaves the set naming tokens still there, and
  // a second revocation finishes the job).
  await Promise.all([...members.map((member) => redis.del(member)), redis.srem(grant, ...members)]);
}

/**
 * An oidc-provider `adapter` on Redis. Keys (adapterKeys) hold the payload as compact JSON (a hash of `payload` and
 * `consumed` for consumable models), a grant's set of the keys to revoke with it, and the ids that a session uid and
 * a user code point to. Every key expires with its record, and each upsert or destroy writes its keys in one MULTI —
 * within a request, together with the request's other writes (request-writes.ts); on a cluster one MULTI per slot.
 */
export function createRedisAdapter(redis: Redis, { keyPrefix = '' }: RedisAdapterOptions = {}): AdapterConstructor {
  const cluster = isCluster(redis);
  // Grant sets hold key names as the adapter writes them: ioredis adds its own keyPrefix to command keys only, so a
  // name read back from a set is prefixed exactly once more when it is passed to DEL.
  const keys = adapterKeys(cluster, keyPrefix);
  const uidKey = keys.sessionUid;
  const userCodeKey = keys.userCode;
  const modelKey = keys.model;
  // Inside a Lua script keys are not prefixed by ioredis: the script gets the whole prefix.
  const scriptPrefix = `${redis.options.keyPrefix ?? ''}${keyPrefix}`;

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
      return modelKey(this.name, id);
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const ttl = ttlSeconds(this.name, expiresIn);
      const key = this.#key(id);
      await writeGroupsWithRequest(
        redis,
        upsertGroups(keys, {
          key,
          id,
          payload,
          ttl,
          consumable: this.#consumable,
          grantable: this.#grantable,
          session: this.name === 'Session',
        }),
      );
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const key = this.#key(id);
      if (!this.#consumable) {
        const json = await readString(redis, key);
        return json === null ? undefined : parse(json);
      }
      const batch = requestWrites();
      if (batch?.pending(key)) await batch.flush();
      if (batch && this.#grantable) return this.#findWithGrantAndSession(key, batch);
      const { payload, consumed } = await redis.hgetall(key);
      if (payload === undefined) return undefined;
      return consumed === undefined ? parse(payload) : { ...parse(payload), consumed: Number(consumed) };
    }

    /**
     * The token, and its grant and session kept as read ahead for the rest of the request. An authorization code is
     * spent by this read: only the token endpoint reads codes, and one that presents a code uses it up, whether or
     * not its PKCE verifier and redirect URI then match (as Keycloak does). A second presentation, even a concurrent
     * one, finds it consumed, and oidc-provider revokes the grant; the consume() that follows is already done.
     */
    async #findWithGrantAndSession(key: string, batch: RequestWrites): Promise<AdapterPayload | undefined> {
      const spend = this.name === 'AuthorizationCode' ? [epochSeconds()] : [];
      const readRelated = cluster ? '0' : '1';
      const [payload, consumed, ...related] = (await redis.eval(
        READ_WITH_GRANT_AND_SESSION,
        1,
        key,
        scriptPrefix,
        readRelated,
        ...spend,
      )) as Array<string | null>;
      if (!payload) return undefined;
      if (spend.length > 0 && !consumed) batch.markConsumed(key);
      const token = parse(payload);
      const [grant, sessionId, session] = cluster ? await readRelatedOnCluster(redis, keys, token) : related;
      if (typeof token.grantId === 'string') batch.keepReadAhead(modelKey('Grant', token.grantId), grant ?? null);
      if (typeof token.sessionUid === 'string') {
        batch.keepReadAhead(uidKey(token.sessionUid), sessionId ?? null);
        if (sessionId) batch.keepReadAhead(modelKey('Session', sessionId), session ?? null);
      }
      return consumed ? { ...token, consumed: Number(consumed) } : token;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const id = await readString(redis, uidKey(uid));
      return id === null ? undefined : this.find(id);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const id = await readString(redis, userCodeKey(userCode));
      return id === null ? undefined : this.find(id);
    }

    // Never deferred: a code or refresh token is used once, and a replay must find it consumed at once.
    async consume(id: string): Promise<void> {
      const key = this.#key(id);
      const batch = requestWrites();
      if (batch?.consumedByRead(key)) return;
      if (batch?.pending(key)) await batch.flush();
      await redis.eval(CONSUME_IF_PRESENT, 1, key, epochSeconds());
    }

    async destroy(id: string): Promise<void> {
      const key = this.#key(id);
      // Only sessions, tokens of a grant and device codes have index keys to remove with them: the others need no read.
      const indexed = this.name === 'Session' || this.#grantable || this.name === 'DeviceCode';
      const payload = indexed ? await this.find(id) : undefined;
      await writeGroupsWithRequest(
        redis,
        destroyGroups(keys, { key, id, payload, grantable: this.#grantable, session: this.name === 'Session' }),
      );
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await revokeGrant(redis, cluster, keys.grant(grantId));
    }
  };
}
