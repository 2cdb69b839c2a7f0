import { randomUUID } from 'node:crypto';
import type { AdapterConstructor, AdapterPayload } from 'oidc-provider';
import { createRedisAdapter } from '../../src/provider/redis-adapter.ts';
import { openTestRedis, type TestRedis } from '../support/stores.ts';

// The test client carries an ioredis keyPrefix of its own as well, so every key here is prefixed twice over.
const ADAPTER_PREFIX = 'oidc:';
const HOUR = 3_600;

describe('Redis adapter for oidc-provider', () => {
  let store: TestRedis;
  let RedisAdapter: AdapterConstructor;
  beforeAll(async () => {
    store = await openTestRedis();
    RedisAdapter = createRedisAdapter(store.redis, { keyPrefix: ADAPTER_PREFIX });
  });
  afterAll(() => store.dispose());

  const ttlOf = (key: string): Promise<number> => store.redis.ttl(`${ADAPTER_PREFIX}${key}`);
  const token = (extra: AdapterPayload = {}): AdapterPayload => ({
    jti: randomUUID(),
    clientId: 'portal',
    accountId: 'customer-1',
    scope: 'openid profile',
    claims: { id_token: { email: null } },
    resource: [],
    ...extra,
  });

  it.each(['AccessToken', 'AuthorizationCode', 'Session'])('reads back a %s exactly as it was stored', async (model) => {
    const adapter = new RedisAdapter(model);
    const payload = token({ uid: randomUUID() });
    await adapter.upsert(payload.jti!, payload, HOUR);
    expect(await adapter.find(payload.jti!)).toEqual(payload);
  });

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

    for (const key of [`DeviceCode:${device.jti}`, `grant:${grantId}`, 'userCode:CCCC-DDDD', `sessionUid:${uid}`]) {
      const ttl = await ttlOf(key);
      expect({ key, positive: ttl > 0, withinExpiresIn: ttl <= 600 }).toEqual({
        key,
        positive: true,
        withinExpiresIn: true,
      });
    }
    // TTL -1 marks a key that would never go away, whichever test wrote it.
    const everyKey = await store.redis.keys(`${store.keyPrefix}*`);
    const ttls = await Promise.all(everyKey.map((key) => store.redis.ttl(key.slice(store.keyPrefix.length))));
    expect(ttls.filter((ttl) => ttl < 0)).toEqual([]);
  });

  it('keeps the grant index alive as long as its longest-lived token, never shortening it', async () => {
    const grantId = randomUUID();
    const refresh = token({ grantId });
    const access = token({ grantId });
    await new RedisAdapter('RefreshToken').upsert(refresh.jti!, refresh, 10 * HOUR);
    await new RedisAdapter('AccessToken').upsert(access.jti!, access, 60);
    expect(await ttlOf(`grant:${grantId}`)).toBeGreaterThan(9 * HOUR);

    const longer = token({ grantId });
    await new RedisAdapter('AccessToken').upsert(longer.jti!, longer, 20 * HOUR);
    expect(await ttlOf(`grant:${grantId}`)).toBeGreaterThan(19 * HOUR);
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
    expect(await ttlOf(`AuthorizationCode:${code.jti}`)).toBeGreaterThan(0);
  });

  it('does not bring back a token that is gone when consuming it', async () => {
    await new RedisAdapter('RefreshToken').consume('gone');
    expect(await store.redis.exists(`${ADAPTER_PREFIX}RefreshToken:gone`)).toBe(0);
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
    expect(await store.redis.smembers(`${ADAPTER_PREFIX}grant:${grantId}`)).toEqual([
      `${ADAPTER_PREFIX}AccessToken:${sibling.jti}`,
    ]);
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
    expect(await store.redis.exists(`${ADAPTER_PREFIX}grant:${grantId}`)).toBe(0);
    expect(await new RedisAdapter('AccessToken').find(kept.jti!)).toEqual(kept);
    expect(await store.redis.exists(`${ADAPTER_PREFIX}grant:${otherGrantId}`)).toBe(1);
  });

  it('refuses to store a record without expiresIn rather than keep it forever', async () => {
    const payload = token();
    await expect(new RedisAdapter('Client').upsert(payload.jti!, payload)).rejects.toThrow(/TTL/);
    expect(await new RedisAdapter('Client').find(payload.jti!)).toBeUndefined();
  });
});
