import { randomUUID } from 'node:crypto';
import type { AdapterConstructor, AdapterPayload } from 'oidc-provider';
import { adapterKeys, createRedisAdapter } from '../../src/provider/redis-adapter.ts';
import { isCluster } from '../../src/store/redis.ts';
import { CLUSTER_WAIT_MS } from '../support/cluster-lock.ts';
import { keysUnder, openTestRedis, REDIS_SHAPES, type TestRedis } from '../support/stores.ts';

// The test client carries an ioredis keyPrefix of its own as well, so every key here is prefixed twice over.
const ADAPTER_PREFIX = 'oidc:';
const HOUR = 3_600;

// The same contract on one server and on a Redis Cluster, where the keys carry hash tags.
describe.each(REDIS_SHAPES)('Redis adapter for oidc-provider on %s', (_shape, target) => {
  let store: TestRedis;
  let RedisAdapter: AdapterConstructor;
  let key: ReturnType<typeof adapterKeys>;
  beforeAll(async () => {
    store = await openTestRedis(target);
    RedisAdapter = createRedisAdapter(store.redis, { keyPrefix: ADAPTER_PREFIX });
    key = adapterKeys(isCluster(store.redis), ADAPTER_PREFIX);
  }, CLUSTER_WAIT_MS);
  afterAll(() => store.dispose());

  const ttlOf = (name: string): Promise<number> => store.redis.ttl(name);
  const token = (extra: AdapterPayload = {}): AdapterPayload => ({
    jti: randomUUID(),
    clientId: 'portal',
    accountId: 'customer-1',
    scope: 'openid profile',
    claims: { id_token: { email: null } },
    resource: [],
    ...extra,
  });

  it.each(['AccessToken', 'AuthorizationCode', 'Session'])(
    'reads back a %s exactly as it was stored',
    async (model) => {
      const adapter = new RedisAdapter(model);
      const payload = token({ uid: randomUUID() });
      await adapter.upsert(payload.jti!, payload, HOUR);
      expect(await adapter.find(payload.jti!)).toEqual(payload);
    },
  );

  it('replaces the whole record when a token is saved again', async () => {
    const adapter = new RedisAdapter('DeviceCode');
    const payload = token({ userCode: 'AAAA-BBBB' });
    await adapter.upsert(payload.jti!, payload, HOUR);
    await adapter.consume(payload.jti!);
    const approved = { ...payload, accountId: 'customer-2' };
    await adapter.upsert(payload.jti!, approved, HOUR);
    expect(await adapter.find(payload.jti!)).toEqual(approved);
  });

  it('finds nothing for an id, uid or user code it never stored', async () => {
    expect(await new RedisAdapter('AccessToken').find('unknown')).toBeUndefined();
    expect(await new RedisAdapter('RefreshToken').find('unknown')).toBeUndefined();
    expect(await new RedisAdapter('Session').findByUid('unknown')).toBeUndefined();
    expect(await new RedisAdapter('DeviceCode').findByUserCode('UNKN-OWN0')).toBeUndefined();
  });

  it('gives every key it writes a TTL no longer than expiresIn', async () => {
    const grantId = randomUUID();
    const uid = randomUUID();
    const device = token({ grantId, userCode: 'CCCC-DDDD' });
    const session = { jti: randomUUID(), uid, accountId: 'customer-1' };
    await new RedisAdapter('DeviceCode').upsert(device.jti!, device, 600);
    await new RedisAdapter('Session').upsert(session.jti, session, 600);

    for (const name of [
      key.model('DeviceCode', device.jti!),
      key.grant(grantId),
      key.userCode('CCCC-DDDD'),
      key.sessionUid(uid),
    ]) {
      const ttl = await ttlOf(name);
      expect({ name, positive: ttl > 0, withinExpiresIn: ttl <= 600 }).toEqual({
        name,
        positive: true,
        withinExpiresIn: true,
      });
    }
    // TTL -1 marks a key that would never go away, whichever test wrote it.
    const everyKey = await keysUnder(store.redis, store.keyPrefix);
    const ttls = await Promise.all(everyKey.map((key) => store.redis.ttl(key.slice(store.keyPrefix.length))));
    expect(ttls.filter((ttl) => ttl < 0)).toEqual([]);
  });

  it('keeps the grant index alive as long as its longest-lived token, never shortening it', async () => {
    const grantId = randomUUID();
    const refresh = token({ grantId });
    const access = token({ grantId });
    await new RedisAdapter('RefreshToken').upsert(refresh.jti!, refresh, 10 * HOUR);
    await new RedisAdapter('AccessToken').upsert(access.jti!, access, 60);
    expect(await ttlOf(key.grant(grantId))).toBeGreaterThan(9 * HOUR);

    const longer = token({ grantId });
    await new RedisAdapter('AccessToken').upsert(longer.jti!, longer, 20 * HOUR);
    expect(await ttlOf(key.grant(grantId))).toBeGreaterThan(19 * HOUR);
  });

  it('finds a session by its uid', async () => {
    const adapter = new RedisAdapter('Session');
    const session = { jti: randomUUID(), uid: randomUUID(), accountId: 'customer-1' };
    await adapter.upsert(session.jti, session, HOUR);
    expect(await adapter.findByUid(session.uid)).toEqual(session);
  });

  it('still finds a regenerated session by its uid once the session it replaced is destroyed', async () => {
    const adapter = new RedisAdapter('Session');
    const uid = randomUUID();
    const old = { jti: randomUUID(), uid, accountId: 'customer-1' };
    const regenerated = { ...old, jti: randomUUID() };
    await adapter.upsert(old.jti, old, HOUR);
    await adapter.upsert(regenerated.jti, regenerated, HOUR);
    await adapter.destroy(old.jti);
    expect(await adapter.findByUid(uid)).toEqual(regenerated);
  });

  it('finds a device code by its user code', async () => {
    const adapter = new RedisAdapter('DeviceCode');
    const device = token({ userCode: 'EEEE-FFFF' });
    await adapter.upsert(device.jti!, device, HOUR);
    expect(await adapter.findByUserCode('EEEE-FFFF')).toEqual(device);
  });

  it('marks a consumed token with the epoch second it was consumed, keeping its payload and TTL', async () => {
    const adapter = new RedisAdapter('AuthorizationCode');
    const code = token();
    await adapter.upsert(code.jti!, code, 60);
    const before = Math.floor(Date.now() / 1000);
    await adapter.consume(code.jti!);
    const found = await adapter.find(code.jti!);
    expect(found).toEqual({ ...code, consumed: expect.any(Number) });
    expect(found!.consumed).toBeGreaterThanOrEqual(before);
    expect(found!.consumed).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(await ttlOf(key.model('AuthorizationCode', code.jti!))).toBeGreaterThan(0);
  });

  it('does not bring back a token that is gone when consuming it', async () => {
    await new RedisAdapter('RefreshToken').consume('gone');
    expect(await store.redis.exists(key.model('RefreshToken', 'gone'))).toBe(0);
  });

  it('forgets a destroyed token together with its user code and its place in the grant', async () => {
    const adapter = new RedisAdapter('DeviceCode');
    const grantId = randomUUID();
    const device = token({ grantId, userCode: 'GGGG-HHHH' });
    const sibling = token({ grantId });
    await adapter.upsert(device.jti!, device, HOUR);
    await new RedisAdapter('AccessToken').upsert(sibling.jti!, sibling, HOUR);
    await adapter.destroy(device.jti!);

    expect(await adapter.find(device.jti!)).toBeUndefined();
    expect(await adapter.findByUserCode('GGGG-HHHH')).toBeUndefined();
    expect(await store.redis.smembers(key.grant(grantId))).toEqual([key.model('AccessToken', sibling.jti!)]);
  });

  it('revokes every token of a grant and leaves the tokens of another grant alone', async () => {
    const grantId = randomUUID();
    const otherGrantId = randomUUID();
    const revoked = [
      ['AccessToken', token({ grantId })],
      ['RefreshToken', token({ grantId })],
      ['AuthorizationCode', token({ grantId })],
      ['DeviceCode', token({ grantId, userCode: 'JJJJ-KKKK' })],
    ] as const;
    const kept = token({ grantId: otherGrantId });
    for (const [model, payload] of revoked) await new RedisAdapter(model).upsert(payload.jti!, payload, HOUR);
    await new RedisAdapter('AccessToken').upsert(kept.jti!, kept, HOUR);

    await new RedisAdapter('RefreshToken').revokeByGrantId(grantId);

    // Had the set held names with the client's keyPrefix, DEL would have prefixed them again and missed them.
    for (const [model, payload] of revoked) expect(await new RedisAdapter(model).find(payload.jti!)).toBeUndefined();
    expect(await new RedisAdapter('DeviceCode').findByUserCode('JJJJ-KKKK')).toBeUndefined();
    expect(await store.redis.exists(key.grant(grantId))).toBe(0);
    expect(await new RedisAdapter('AccessToken').find(kept.jti!)).toEqual(kept);
    expect(await store.redis.exists(key.grant(otherGrantId))).toBe(1);
  });

  it('refuses to store a record without expiresIn rather than keep it forever', async () => {
    const payload = token();
    await expect(new RedisAdapter('Client').upsert(payload.jti!, payload)).rejects.toThrow(/TTL/);
    expect(await new RedisAdapter('Client').find(payload.jti!)).toBeUndefined();
  });
});

// Upgrading the broker keeps what one server (or a Sentinel group) holds: the keys keep their names there, and only
// a cluster, which starts empty, uses hash-tagged names.
describe('Redis adapter on one server, after an upgrade', () => {
  let store: TestRedis;
  beforeAll(async () => (store = await openTestRedis()));
  afterAll(() => store.dispose());

  it('finds the sessions and refresh tokens that the version before the cluster work wrote, and revokes them', async () => {
    const grantId = randomUUID();
    const session = { jti: randomUUID(), uid: randomUUID(), accountId: 'person-1' };
    const refresh = { jti: randomUUID(), grantId, sessionUid: session.uid, clientId: 'portal' };
    // Written as the previous version did, by name.
    await store.redis
      .multi()
      .set(`oidc:Session:${session.jti}`, JSON.stringify(session), 'EX', HOUR)
      .set(`oidc:sessionUid:${session.uid}`, session.jti, 'EX', HOUR)
      .hset(`oidc:RefreshToken:${refresh.jti}`, 'payload', JSON.stringify(refresh))
      .expire(`oidc:RefreshToken:${refresh.jti}`, HOUR)
      .sadd(`oidc:grant:${grantId}`, `oidc:RefreshToken:${refresh.jti}`)
      .expire(`oidc:grant:${grantId}`, HOUR)
      .exec();
    const RedisAdapter = createRedisAdapter(store.redis, { keyPrefix: ADAPTER_PREFIX });

    expect(await new RedisAdapter('Session').findByUid(session.uid)).toEqual(session);
    expect(await new RedisAdapter('RefreshToken').find(refresh.jti)).toEqual(refresh);
    await new RedisAdapter('RefreshToken').revokeByGrantId(grantId);
    expect(await new RedisAdapter('RefreshToken').find(refresh.jti)).toBeUndefined();
  });
});
