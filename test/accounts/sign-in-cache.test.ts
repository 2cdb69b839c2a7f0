import { Types } from 'mongoose';
import { activeMemberships, cachedSignIns, LOGIN_RECORD_INTERVAL_MS } from '../../src/accounts/account-cache.ts';
import { accountModel } from '../../src/accounts/account-model.ts';
import { directoryChangesOver, type DirectoryChanges } from '../../src/accounts/directory-changes.ts';
import { meetsRequirement } from '../../src/accounts/entitlement.ts';
import { identityModel } from '../../src/accounts/identity-model.ts';
import { membershipModel } from '../../src/accounts/membership-model.ts';
import { PeopleDirectory } from '../../src/accounts/people-directory.ts';
import { resolveSignIn } from '../../src/linking/sign-in.ts';
import { seedLinkedAccount } from '../parties/seed-linked-account.ts';
import { connectRedis, type Redis } from '../../src/store/redis.ts';
import { openTestMongo, openTestRedis, REDIS_URL, silentLogger, type TestMongo, type TestRedis } from '../support/stores.ts';

// accountCacheTtl as configured by default: what sign-ins and tokens may reuse, and the bound docs/portals.md states.
const TTL_MS = 5_000;
const ISSUER = 'https://id.example';

describe('cached reads for sign-ins and tokens (accountCacheTtl)', () => {
  let mongo: TestMongo;
  let directory: PeopleDirectory;
  let clock: number;
  let subjects = 0;

  beforeAll(async () => {
    mongo = await openTestMongo();
    directory = new PeopleDirectory(mongo.connection);
  });
  afterAll(() => mongo.dispose());
  beforeEach(() => {
    // After the seeded links (linkedAt is the real time): authentications proven from here on are newer.
    clock = Date.now() + 1_000;
  });

  async function linkedPerson(plans: Array<{ type: string; expiresAt: Date }> = [], changes?: DirectoryChanges) {
    subjects += 1;
    const subject = `subject-${subjects}`;
    const personId = await seedLinkedAccount(mongo.connection, {
      name: `Account ${subjects}`,
      email: `person${subjects}@example.com`,
      customerNumber: `30000${subjects}`,
      upstreamId: 'u',
      issuer: ISSUER,
      subject,
      plans,
    });
    const signIns = cachedSignIns(directory, { ttlMs: TTL_MS, now: () => clock, ...(changes ? { changes } : {}) });
    return { personId, signIns, identity: { upstreamId: 'u', issuer: ISSUER, subject } };
  }

  it('refuses a disabled account once the cached read is accountCacheTtl old, in sign-ins and in tokens', async () => {
    const { personId, signIns, identity } = await linkedPerson();
    expect((await resolveSignIn(signIns, identity)).kind).toBe('linked');
    await accountModel(mongo.connection).updateOne({ _id: new Types.ObjectId(personId) }, { $set: { status: 'disabled' } });
    clock += TTL_MS;
    expect((await resolveSignIn(signIns, identity)).kind).toBe('account-disabled');
    expect(await activeMemberships(signIns).membershipsOf(personId)).toEqual([]);
  });

  it('stops counting an expired plan at its expiry, without waiting for a new read', async () => {
    const expiresAt = new Date(clock + 60_000);
    const { personId, signIns } = await linkedPerson([{ type: 'support', expiresAt }]);
    const [membership] = await activeMemberships(signIns).membershipsOf(personId);
    if (!membership) throw new Error('no membership');
    expect(meetsRequirement(membership.account, { plans: ['support'] }, new Date(expiresAt.getTime() - 1))).toBe(true);
    expect(meetsRequirement(membership.account, { plans: ['support'] }, expiresAt)).toBe(false);
  });

  it('sends a sign-in whose membership was removed to the association flow once the cached read is accountCacheTtl old', async () => {
    const { personId, signIns, identity } = await linkedPerson();
    expect((await resolveSignIn(signIns, identity)).kind).toBe('linked');
    await membershipModel(mongo.connection).deleteMany({ personId: new Types.ObjectId(personId) });
    clock += TTL_MS;
    expect((await resolveSignIn(signIns, identity)).kind).toBe('not-linked');
  });

  it('without change notices, reads identities every time: an unlinked identity is refused at once', async () => {
    const { signIns, identity } = await linkedPerson();
    expect((await resolveSignIn(signIns, identity)).kind).toBe('linked');
    await identityModel(mongo.connection).deleteOne({ issuer: ISSUER, subject: identity.subject });
    expect((await resolveSignIn(signIns, identity)).kind).toBe('not-linked');
  });

  it('counts a new link at once: a person without memberships is not cached', async () => {
    const { personId, signIns, identity } = await linkedPerson();
    const memberships = membershipModel(mongo.connection);
    const [saved] = await memberships.find({ personId: new Types.ObjectId(personId) }).lean().exec();
    await memberships.deleteMany({ personId: new Types.ObjectId(personId) });
    expect((await resolveSignIn(signIns, identity)).kind).toBe('not-linked');
    await memberships.create({ ...saved });
    expect((await resolveSignIn(signIns, identity)).kind).toBe('linked');
  });

  it('writes lastLoginAt at most once an hour per identity, and keeps the newest proven authentication for auth_time', async () => {
    const { signIns, identity } = await linkedPerson();
    const stored = () => identityModel(mongo.connection).findOne({ issuer: ISSUER, subject: identity.subject }).lean().exec();
    const firstAuth = Math.floor(clock / 1000);
    await resolveSignIn(signIns, { ...identity, authTime: firstAuth });
    const first = await stored();
    expect(first?.lastLoginAt).toBeInstanceOf(Date);

    clock += 60_000;
    const laterAuth = firstAuth + 60;
    await resolveSignIn(signIns, { ...identity, authTime: laterAuth });
    expect((await stored())?.lastLoginAt).toEqual(first?.lastLoginAt);
    // An upstream that says nothing about the authentication gets the newest one proven, not the older stored one.
    const silent = await resolveSignIn(signIns, identity);
    expect(silent.kind === 'linked' && silent.authTime).toBe(laterAuth);

    clock += LOGIN_RECORD_INTERVAL_MS;
    await resolveSignIn(signIns, identity);
    const written = await stored();
    expect(written?.lastLoginAt?.getTime()).toBeGreaterThan(first?.lastLoginAt?.getTime() ?? 0);
    expect(written?.authenticatedAt).toEqual(new Date(laterAuth * 1000));
  });

  describe('with change notices between processes (Redis publish/subscribe)', () => {
    let redis: TestRedis;
    const opened: Array<{ changes: DirectoryChanges; connection: Redis }> = [];

    beforeAll(async () => {
      redis = await openTestRedis();
    });
    afterAll(async () => {
      await Promise.all(opened.map(async ({ changes, connection }) => (await changes.close(), await connection.quit())));
      await redis.dispose();
    });

    /** What one broker process has: its own Redis connection and its own subscription. */
    async function brokerProcess() {
      const connection = await connectRedis(REDIS_URL, { logger: silentLogger, keyPrefix: redis.keyPrefix });
      const changes = await directoryChangesOver(connection, { logger: silentLogger, keyPrefix: redis.keyPrefix });
      opened.push({ changes, connection });
      return { changes, connection };
    }

    const notified = (changes: DirectoryChanges) => new Promise<void>((resolve) => changes.onChange(resolve));

    it('caches a found identity, so that a change behind the broker shows after accountCacheTtl', async () => {
      const { changes } = await brokerProcess();
      expect(changes.live).toBe(true);
      const { signIns, identity } = await linkedPerson([], changes);
      expect((await resolveSignIn(signIns, identity)).kind).toBe('linked');
      await identityModel(mongo.connection).deleteOne({ issuer: ISSUER, subject: identity.subject });
      expect((await resolveSignIn(signIns, identity)).kind).toBe('linked');
      clock += TTL_MS;
      expect((await resolveSignIn(signIns, identity)).kind).toBe('not-linked');
    });

    it('refuses an identity unlinked in another process as soon as its notice arrives, long before accountCacheTtl', async () => {
      const here = await brokerProcess();
      const there = await brokerProcess();
      const { signIns, identity } = await linkedPerson([], there.changes);
      expect((await resolveSignIn(signIns, identity)).kind).toBe('linked');

      await identityModel(mongo.connection).deleteOne({ issuer: ISSUER, subject: identity.subject });
      const arrived = notified(there.changes);
      await here.changes.announce();
      await arrived;
      // The clock has not moved: only the notice can explain the refusal.
      expect((await resolveSignIn(signIns, identity)).kind).toBe('not-linked');
    });

    it('drops cached memberships on a notice too: a removed membership sends the next sign-in to the association flow', async () => {
      const here = await brokerProcess();
      const { personId, signIns, identity } = await linkedPerson([], here.changes);
      expect((await resolveSignIn(signIns, identity)).kind).toBe('linked');
      await membershipModel(mongo.connection).deleteMany({ personId: new Types.ObjectId(personId) });
      await here.changes.announce();
      expect((await resolveSignIn(signIns, identity)).kind).toBe('not-linked');
    });

    it('trusts no cached identity while its subscription is down, and drops everything once it is subscribed again', async () => {
      const { changes, connection } = await brokerProcess();
      const { signIns, identity } = await linkedPerson([], changes);
      expect((await resolveSignIn(signIns, identity)).kind).toBe('linked');
      // The subscription names itself after the deployment's key prefix (CLIENT LIST shows what it is).
      const clients = String(await connection.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
      const ours = clients.split('\n').filter((line) => line.includes(`name=${redis.keyPrefix}directory-changes`));
      expect(ours).toHaveLength(opened.length);
      const back = notified(changes);
      for (const line of ours) await connection.call('CLIENT', 'KILL', 'ID', /id=(\d+)/.exec(line)?.[1] ?? '');
      // ioredis waits 200 ms before reconnecting: the connection is seen closed well before that.
      while (changes.live) await new Promise((resolve) => setTimeout(resolve, 5));
      // A notice sent now would be lost: the change must count without one.
      await identityModel(mongo.connection).deleteOne({ issuer: ISSUER, subject: identity.subject });
      expect((await resolveSignIn(signIns, identity)).kind).toBe('not-linked');
      await back;
      expect(changes.live).toBe(true);
    });
  });
});
