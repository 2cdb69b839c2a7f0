import { Types } from 'mongoose';
import { accountModel } from '../../src/accounts/account-model.ts';
import { cachedMemberships } from '../../src/accounts/account-cache.ts';
import { PeopleDirectory } from '../../src/accounts/people-directory.ts';
import { seedLinkedAccount } from '../parties/seed-linked-account.ts';
import { openTestMongo, type TestMongo } from '../support/stores.ts';

describe('membership reads for tokens', () => {
  let mongo: TestMongo;
  let directory: PeopleDirectory;
  let personId: string;
  const rename = (name: string) => accountModel(mongo.connection).updateOne({ _id: new Types.ObjectId(personId) }, { $set: { name } });

  beforeAll(async () => {
    mongo = await openTestMongo();
    directory = new PeopleDirectory(mongo.connection);
    personId = await seedLinkedAccount(mongo.connection, { name: 'Before', email: 'a@example.com', customerNumber: '200001', upstreamId: 'u', issuer: 'https://id.example', subject: 's' });
  });
  afterAll(() => mongo.dispose());

  it('reuse a person’s accounts for the configured time, then see changes', async () => {
    const reader = cachedMemberships(directory, { ttlMs: 300 });
    expect((await reader.membershipsOf(personId))[0]?.account.name).toBe('Before');
    await rename('After');
    expect((await reader.membershipsOf(personId))[0]?.account.name).toBe('Before');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await reader.membershipsOf(personId))[0]?.account.name).toBe('After');
    await rename('Before');
  });

  it('read every time with a time of 0, leave out a disabled account, and find nothing for an unknown id', async () => {
    const reader = cachedMemberships(directory, { ttlMs: 0 });
    await rename('Changed');
    expect((await reader.membershipsOf(personId))[0]?.account.name).toBe('Changed');
    await accountModel(mongo.connection).updateOne({ _id: new Types.ObjectId(personId) }, { $set: { status: 'disabled' } });
    expect(await reader.membershipsOf(personId)).toEqual([]);
    expect(await cachedMemberships(directory, { ttlMs: 1000 }).membershipsOf('000000000000000000000000')).toEqual([]);
    expect(await reader.membershipsOf('not an id')).toEqual([]);
  });
});
