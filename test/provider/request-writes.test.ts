import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import type { AdapterConstructor, AdapterPayload } from 'oidc-provider';
import { adapterKeys, createRedisAdapter, SPENT_CODE_FIELDS } from '../../src/provider/redis-adapter.ts';
import { isCluster } from '../../src/store/redis.ts';
import { CLUSTER_WAIT_MS } from '../support/cluster-lock.ts';
import { batchRequestWrites } from '../../src/store/request-writes.ts';
import { openTestRedis, REDIS_SHAPES, type TestRedis } from '../support/stores.ts';

const PREFIX = 'oidc:';
const HOUR = 3_600;

describe.each(REDIS_SHAPES)("a request's adapter writes, sent together when it ends, on %s", (_shape, target) => {
  let store: TestRedis;
  let RedisAdapter: AdapterConstructor;
  let key: ReturnType<typeof adapterKeys>;
  beforeAll(async () => {
    store = await openTestRedis(target);
    RedisAdapter = createRedisAdapter(store.redis, { keyPrefix: PREFIX });
    key = adapterKeys(isCluster(store.redis), PREFIX);
  }, CLUSTER_WAIT_MS);
  afterAll(() => store.dispose());

  /** Runs `work` as oidc-provider's handling of one request, inside the batching middleware. */
  const inRequest = (work: () => Promise<void>) => batchRequestWrites(store.redis)({} as Context, work);
  const stored = (model: string, id: string) => store.redis.exists(key.model(model, id));
  const token = (extra: AdapterPayload = {}): AdapterPayload => ({
    jti: randomUUID(),
    clientId: 'portal',
    accountId: 'p',
    ...extra,
  });

  it('keeps writes until the request ends, and reads its own writes before that', async () => {
    const grant = token();
    const code = token({ grantId: grant.jti });
    await inRequest(async () => {
      await new RedisAdapter('Grant').upsert(grant.jti!, grant, HOUR);
      await new RedisAdapter('AuthorizationCode').upsert(code.jti!, code, 60);
      expect(await stored('Grant', grant.jti!)).toBe(0);
      expect(await new RedisAdapter('Grant').find(grant.jti!)).toEqual(grant);
      // The read flushed what was pending.
      expect(await stored('Grant', grant.jti!)).toBe(1);
    });
    expect(await stored('AuthorizationCode', code.jti!)).toBe(1);
  });

  it('consumes at once, never at the end of the request: a replay must find the code used', async () => {
    const code = token();
    await new RedisAdapter('AuthorizationCode').upsert(code.jti!, code, 60);
    await inRequest(async () => {
      await new RedisAdapter('AuthorizationCode').consume(code.jti!);
      expect((await new RedisAdapter('AuthorizationCode').find(code.jti!))?.consumed).toEqual(expect.any(Number));
      expect(await store.redis.hexists(key.model('AuthorizationCode', code.jti!), 'consumed')).toBe(1);
    });
  });

  it('spends a code with the read that finds it, and keeps of it only what a replay needs to revoke its grant', async () => {
    const code = token({
      grantId: randomUUID(),
      kind: 'AuthorizationCode',
      iat: 1_800_000_000,
      exp: 1_800_000_060,
      redirectUri: 'https://portal.example/callback',
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      codeChallengeMethod: 'S256',
      scope: 'openid email',
      nonce: 'n-0S6_WzA2Mj',
      sessionUid: randomUUID(),
      claims: { id_token: { email: null } },
      resource: [],
    });
    await new RedisAdapter('AuthorizationCode').upsert(code.jti!, code, 60);
    await inRequest(async () => {
      // The first presentation gets the whole code.
      expect(await new RedisAdapter('AuthorizationCode').find(code.jti!)).toEqual(code);
    });
    const { accountId, scope, nonce, sessionUid, claims, resource, ...replayNeeds } = code;
    expect([accountId, scope, nonce, sessionUid, claims, resource].every((value) => value !== undefined)).toBe(true);
    const replayed = await new RedisAdapter('AuthorizationCode').find(code.jti!);
    expect(replayed).toEqual({ ...replayNeeds, consumed: expect.any(Number) });
    expect(Object.keys(replayNeeds).every((name) => (SPENT_CODE_FIELDS as readonly string[]).includes(name))).toBe(
      true,
    );
  });

  it("reads a refresh token's grant and session with it, and serves them for the rest of the request", async () => {
    const grant = token();
    const session = token({ uid: randomUUID() });
    const refresh = token({ grantId: grant.jti, sessionUid: session.uid });
    await new RedisAdapter('Grant').upsert(grant.jti!, grant, HOUR);
    await new RedisAdapter('Session').upsert(session.jti!, session, HOUR);
    await new RedisAdapter('RefreshToken').upsert(refresh.jti!, refresh, HOUR);
    await inRequest(async () => {
      expect(await new RedisAdapter('RefreshToken').find(refresh.jti!)).toEqual(refresh);
      // Gone from Redis now, still what this request read with the token.
      await Promise.all([
        store.redis.del(key.model('Grant', grant.jti!)),
        store.redis.del(key.model('Session', session.jti!)),
      ]);
      expect(await new RedisAdapter('Grant').find(grant.jti!)).toEqual(grant);
      expect(await new RedisAdapter('Session').findByUid(session.uid as string)).toEqual(session);
    });
    // Outside a request nothing is read ahead.
    expect(await new RedisAdapter('Grant').find(grant.jti!)).toBeUndefined();
  });

  it('writes what a failing request did before it failed, and still fails it', async () => {
    const grant = token();
    await expect(
      inRequest(async () => {
        await new RedisAdapter('Grant').upsert(grant.jti!, grant, HOUR);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await stored('Grant', grant.jti!)).toBe(1);
  });

  it('revokes a grant together with the tokens saved earlier in the same request', async () => {
    const grant = randomUUID();
    const access = token({ grantId: grant });
    await inRequest(async () => {
      await new RedisAdapter('AccessToken').upsert(access.jti!, access, HOUR);
      await new RedisAdapter('AccessToken').revokeByGrantId(grant);
    });
    expect(await stored('AccessToken', access.jti!)).toBe(0);
  });
});
