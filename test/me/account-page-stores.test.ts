import { AccountPageLimits } from '../../src/me/account-page-limits.ts';
import { TooManyChanges } from '../../src/me/account-page-problems.ts';
import { AccountPageSessions } from '../../src/me/me-sessions.ts';
import { SIGN_INS_KEPT, SignInActivity } from '../../src/me/sign-in-activity.ts';
import { TEST_CLUSTER, openTestRedis, silentLogger, type TestRedis } from '../support/stores.ts';

// What the person's page keeps in Redis, on one Redis server and on the Redis Cluster: its sessions (and "sign out
// everywhere" ending them), the recent sign-ins list, the change limit.

describe.each([
  ['one Redis server', undefined],
  ['the Redis Cluster', TEST_CLUSTER],
] as const)('the page’s Redis records on %s', (_name, target) => {
  let store: TestRedis;
  beforeAll(async () => {
    store = await openTestRedis(target);
  });
  afterAll(() => store.dispose());

  it('finds a session by its cookie and by its name, and ends every one opened before "sign out everywhere"', async () => {
    const sessions = new AccountPageSessions(store.redis);
    const t0 = new Date('2026-12-07T10:00:00Z');
    const first = await sessions.open({ personId: 'p1', identityId: 'i1' }, t0);
    const other = await sessions.open({ personId: 'p2', identityId: 'i9' }, t0);
    expect(await sessions.find(first)).toMatchObject({ personId: 'p1', identityId: 'i1' });
    expect(await sessions.findNamed(sessions.nameOf(first))).toMatchObject({ personId: 'p1' });
    // Redis keeps the hash only: the cookie's value is no key.
    expect(await store.redis.exists(`me-session:${first}`)).toBe(0);

    await sessions.switchIdentity(sessions.nameOf(first), 'i2');
    expect((await sessions.find(first))?.identityId).toBe('i2');

    await sessions.endAllOf('p1', new Date(t0.getTime() + 1000));
    expect(await sessions.find(first)).toBeUndefined();
    expect(await sessions.find(other)).toMatchObject({ personId: 'p2' });
    const later = await sessions.open({ personId: 'p1', identityId: 'i1' }, new Date(t0.getTime() + 2000));
    expect(await sessions.find(later)).toMatchObject({ personId: 'p1' });
    await sessions.end(later);
    expect(await sessions.find(later)).toBeUndefined();
  });

  it('lists sign-ins newest first, pages them, and keeps only the newest', async () => {
    const activity = new SignInActivity(store.redis, silentLogger);
    const at = (i: number) => new Date(Date.UTC(2026, 11, 7, 10, 0, i));
    for (let i = 0; i < SIGN_INS_KEPT + 5; i += 1) {
      await activity.record('p1', { at: at(i), upstreamId: 'demo', clientId: i % 2 ? 'customersource' : null });
    }
    expect((await activity.page('p1', 0, SIGN_INS_KEPT + 10)).length).toBe(SIGN_INS_KEPT);
    const [newest, next] = await activity.page('p1', 0, 2);
    expect([newest?.at, next?.at, newest?.clientId, next?.clientId]).toEqual([
      at(SIGN_INS_KEPT + 4),
      at(SIGN_INS_KEPT + 3),
      null,
      'customersource',
    ]);
    expect((await activity.page('p1', SIGN_INS_KEPT - 1, 10)).map((e) => e.at)).toEqual([at(5)]);
    expect(await activity.page('p2', 0, 10)).toEqual([]);
  });

  it('refuses the change past the hourly limit, per person', async () => {
    const limits = new AccountPageLimits(store.redis, 2);
    await limits.consumeChange('p1');
    await limits.consumeChange('p1');
    await expect(limits.consumeChange('p1')).rejects.toMatchObject({ status: 429, code: 'ME.TOO_MANY' });
    await expect(limits.consumeChange('p1')).rejects.toBeInstanceOf(TooManyChanges);
    await expect(limits.consumeChange('p2')).resolves.toBeUndefined();
  });
});
