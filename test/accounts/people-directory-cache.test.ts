import { Types } from 'mongoose';
import { accountModel } from '../../src/accounts/account-model.ts';
import { contactModel } from '../../src/accounts/contact-model.ts';
import { directoryChangesOver, type DirectoryChanges } from '../../src/accounts/directory-changes.ts';
import { meetsRequirement } from '../../src/accounts/entitlement.ts';
import { identityModel } from '../../src/accounts/identity-model.ts';
import { membershipModel } from '../../src/accounts/membership-model.ts';
import { LOGIN_RECORD_INTERVAL_MS, PeopleDirectory } from '../../src/accounts/people-directory.ts';
import { PeopleStore } from '../../src/accounts/people-store.ts';
import { resolveSignIn } from '../../src/sign-in/resolve-sign-in.ts';
import { connectRedis, type Redis } from '../../src/store/redis.ts';
import { seedAccount, seedLinkedAccount } from '../parties/seed-linked-account.ts';
import {
  openTestMongo,
  openTestRedis,
  REDIS_URL,
  silentLogger,
  type TestMongo,
  type TestRedis,
} from '../support/stores.ts';

// accountCacheTtl as configured by default: the bound for changes made behind the broker's back.
const TTL_MS = 5_000;
const ISSUER = 'https://id.example';

describe('the people directory: reads for sign-ins and tokens, and the writes it announces', () => {
  let mongo: TestMongo;
  let store: PeopleStore;
  let redis: TestRedis;
  let clock: number;
  let subjects = 0;
  const opened: Array<{ changes: DirectoryChanges; connection: Redis }> = [];

  beforeAll(async () => {
    mongo = await openTestMongo();
    store = new PeopleStore(mongo.connection);
    await store.ensureIndexes(silentLogger);
    redis = await openTestRedis();
  });
  afterAll(async () => {
    await Promise.all(opened.map(async ({ changes, connection }) => (await changes.close(), await connection.quit())));
    await redis.dispose();
    await mongo.dispose();
  });
  beforeEach(() => {
    // After the seeded links (linkedAt is the real time): authentications proven from here on are newer.
    clock = Date.now() + 1_000;
  });

  /** What one broker process has: its own Redis connection, its own subscription, its own directory and cache. */
  async function brokerProcess(ttlMs = TTL_MS) {
    const connection = await connectRedis(REDIS_URL, { logger: silentLogger, keyPrefix: redis.keyPrefix });
    const changes = await directoryChangesOver(connection, { logger: silentLogger, keyPrefix: redis.keyPrefix });
    opened.push({ changes, connection });
    return { changes, connection, directory: new PeopleDirectory(store, { ttlMs, changes, now: () => clock }) };
  }

  async function linkedPerson(plans: Array<{ type: string; expiresAt: Date }> = []) {
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
    return { personId, identity: { upstreamId: 'u', issuer: ISSUER, subject } };
  }

  const notified = (changes: DirectoryChanges) => new Promise<void>((resolve) => changes.onChange(resolve));
  const accountNames = async (directory: PeopleDirectory, personId: string) =>
    (await directory.activeMembershipsOf(personId)).map((m) => m.account.name);

  it('caches while its change feed is live: a change behind the broker shows after accountCacheTtl', async () => {
    const { directory } = await brokerProcess();
    const { personId, identity } = await linkedPerson();
    expect((await resolveSignIn(directory, identity)).kind).toBe('linked');
    await accountModel(mongo.connection).updateOne(
      { _id: new Types.ObjectId(personId) },
      { $set: { status: 'disabled' } },
    );
    await identityModel(mongo.connection).updateOne({ subject: identity.subject }, { $set: { upstreamId: 'changed' } });
    expect((await resolveSignIn(directory, identity)).kind).toBe('linked');
    clock += TTL_MS;
    expect((await resolveSignIn(directory, identity)).kind).toBe('account-disabled');
    expect((await directory.findIdentity(ISSUER, identity.subject))?.upstreamId).toBe('changed');
  });

  it('caches nothing without a live feed, or with accountCacheTtl 0: a change behind the broker shows at once', async () => {
    const { directory: noCache } = await brokerProcess(0);
    const noFeed = new PeopleDirectory(store, { ttlMs: TTL_MS, now: () => clock });
    for (const directory of [noCache, noFeed]) {
      const { personId, identity } = await linkedPerson();
      expect((await resolveSignIn(directory, identity)).kind).toBe('linked');
      await membershipModel(mongo.connection).deleteMany({ personId: new Types.ObjectId(personId) });
      expect((await resolveSignIn(directory, identity)).kind).toBe('not-linked');
    }
  });

  it('sees its own writes at once, in this process and in another one, with no clock step', async () => {
    const here = await brokerProcess();
    const there = await brokerProcess();
    const { personId, identity } = await linkedPerson();
    for (const { directory } of [here, there])
      expect(await accountNames(directory, personId)).toEqual([`Account ${subjects}`]);

    // A second account joined (the account choice's "add another account", confirmed).
    const second = await seedAccount(mongo.connection, { name: 'Second Ltd', email: `second-${subjects}@example.com` });
    const contact = await contactModel(mongo.connection)
      .findOne({ accountId: new Types.ObjectId(second) })
      .lean()
      .exec();
    let arrived = notified(there.changes);
    await here.directory.link(
      {
        ...identity,
        signInName: 'p***@example.com',
        contactIds: [contact!._id.toHexString()],
        associationId: new Types.ObjectId().toHexString(),
      },
      new Date(clock),
    );
    await arrived;
    for (const { directory } of [here, there])
      expect(await accountNames(directory, personId)).toEqual([`Account ${subjects}`, 'Second Ltd']);

    // The first account disabled and the second's plan changed (admin API, console).
    arrived = notified(there.changes);
    await here.directory.changeAccount(personId, { status: 'disabled' });
    await here.directory.changeAccount(second, {
      plans: [{ type: 'support', expiresAt: new Date(clock + 86_400_000) }],
    });
    await arrived;
    for (const { directory } of [here, there]) {
      const [only] = await directory.activeMembershipsOf(personId);
      expect([only?.account.name, only?.account.plans.map((p) => p.type)]).toEqual(['Second Ltd', ['support']]);
    }

    // The sign-in removed (support): a stranger again everywhere.
    const stored = await identityModel(mongo.connection).findOne({ subject: identity.subject }).lean().exec();
    arrived = notified(there.changes);
    await here.directory.removeIdentity(stored!._id.toHexString());
    await arrived;
    for (const { directory } of [here, there])
      expect((await resolveSignIn(directory, identity)).kind).toBe('not-linked');
  });

  it('never keeps a "not found": a sign-in linked behind the cache counts at the next read', async () => {
    const { directory } = await brokerProcess();
    const { personId, identity } = await linkedPerson();
    const memberships = membershipModel(mongo.connection);
    const [saved] = await memberships
      .find({ personId: new Types.ObjectId(personId) })
      .lean()
      .exec();
    await memberships.deleteMany({ personId: new Types.ObjectId(personId) });
    expect((await resolveSignIn(directory, identity)).kind).toBe('not-linked');
    await memberships.create({ ...saved });
    expect((await resolveSignIn(directory, identity)).kind).toBe('linked');

    const stranger = { upstreamId: 'u', issuer: ISSUER, subject: `stranger-${subjects}` };
    expect(await directory.findIdentity(ISSUER, stranger.subject)).toBeNull();
    await identityModel(mongo.connection).create({
      personId: new Types.ObjectId(personId),
      ...stranger,
      linkedAt: new Date(),
      lastLoginAt: null,
    });
    expect((await directory.findIdentity(ISSUER, stranger.subject))?.personId).toBe(personId);
  });

  it('stops counting an expired plan at its expiry, without waiting for a new read', async () => {
    const { directory } = await brokerProcess();
    const expiresAt = new Date(clock + 60_000);
    const { personId } = await linkedPerson([{ type: 'support', expiresAt }]);
    const [membership] = await directory.activeMembershipsOf(personId);
    if (!membership) throw new Error('no membership');
    expect(meetsRequirement(membership.account, { plans: ['support'] }, new Date(expiresAt.getTime() - 1))).toBe(true);
    expect(meetsRequirement(membership.account, { plans: ['support'] }, expiresAt)).toBe(false);
  });

  it('finds nothing for an id that is not one', async () => {
    const { directory } = await brokerProcess();
    expect(await directory.activeMembershipsOf('000000000000000000000000')).toEqual([]);
    expect(await directory.activeMembershipsOf('not an id')).toEqual([]);
  });

  it('writes lastLoginAt at most once an hour per identity, and keeps the newest proven authentication for auth_time', async () => {
    const { directory } = await brokerProcess();
    const { identity } = await linkedPerson();
    const stored = () =>
      identityModel(mongo.connection).findOne({ issuer: ISSUER, subject: identity.subject }).lean().exec();
    const firstAuth = Math.floor(clock / 1000);
    await resolveSignIn(directory, { ...identity, authTime: firstAuth });
    const first = await stored();
    expect(first?.lastLoginAt).toBeInstanceOf(Date);

    clock += 60_000;
    const laterAuth = firstAuth + 60;
    await resolveSignIn(directory, { ...identity, authTime: laterAuth });
    expect((await stored())?.lastLoginAt).toEqual(first?.lastLoginAt);
    // An upstream that says nothing about the authentication gets the newest one proven, not the older stored one.
    const silent = await resolveSignIn(directory, identity);
    expect(silent.kind === 'linked' && silent.authTime).toBe(laterAuth);

    clock += LOGIN_RECORD_INTERVAL_MS;
    await resolveSignIn(directory, identity);
    const written = await stored();
    expect(written?.lastLoginAt?.getTime()).toBeGreaterThan(first?.lastLoginAt?.getTime() ?? 0);
    expect(written?.authenticatedAt).toEqual(new Date(laterAuth * 1000));
  });

  it('refuses an identity unlinked behind it as soon as a notice arrives, long before accountCacheTtl', async () => {
    const here = await brokerProcess();
    const there = await brokerProcess();
    const { identity } = await linkedPerson();
    expect((await resolveSignIn(there.directory, identity)).kind).toBe('linked');
    await identityModel(mongo.connection).deleteOne({ issuer: ISSUER, subject: identity.subject });
    const arrived = notified(there.changes);
    await here.changes.announce();
    await arrived;
    // The clock has not moved: only the notice can explain the refusal.
    expect((await resolveSignIn(there.directory, identity)).kind).toBe('not-linked');
  });

  it('trusts nothing cached while its subscription is down, and drops everything once it is subscribed again', async () => {
    const { changes, connection, directory } = await brokerProcess();
    const { identity } = await linkedPerson();
    expect((await resolveSignIn(directory, identity)).kind).toBe('linked');
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
    expect((await resolveSignIn(directory, identity)).kind).toBe('not-linked');
    await back;
    expect(changes.live).toBe(true);
  });
});
