import { Types } from 'mongoose';
import { accountModel } from '../../src/accounts/account-model.ts';
import { AccountStore, type AccountInput } from '../../src/accounts/account-store.ts';
import { identityModel } from '../../src/accounts/identity-model.ts';
import { openTestMongo, silentLogger, type TestMongo } from '../support/stores.ts';

const ada: AccountInput = {
  customerNumber: 'C-1',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  plans: [{ type: 'support', expiresAt: new Date('2031-07-01T00:00:00Z') }],
};

describe('AccountStore', () => {
  let mongo: TestMongo;
  let store: AccountStore;

  beforeAll(async () => {
    mongo = await openTestMongo();
    store = new AccountStore(mongo.connection);
    await store.ensureIndexes(silentLogger);
  });
  afterAll(() => mongo.dispose());

  const identities = () => identityModel(mongo.connection);
  const accounts = () => accountModel(mongo.connection);

  async function linkIdentity(accountId: Types.ObjectId, subject: string, upstreamId = 'msa') {
    return identities().create({
      accountId,
      upstreamId,
      issuer: 'https://login.example.com',
      subject,
      linkedAt: new Date(),
    });
  }

  it('creates an account with its e-mail normalised, active by default', async () => {
    expect(await store.upsertAccount({ ...ada, email: '  Ada@Example.COM ' })).toBe('created');
    const stored = await accounts().findOne({ customerNumber: 'C-1' }).lean();
    expect(stored).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com', status: 'active' });
    expect(stored?.plans).toEqual([{ type: 'support', expiresAt: new Date('2031-07-01T00:00:00Z') }]);
  });

  it('finds an account by e-mail whatever the case and spaces typed', async () => {
    const found = await store.findAccountByEmail(' ADA@example.com');
    expect(found?.customerNumber).toBe('C-1');
    expect(await store.findAccountByEmail('nobody@example.com')).toBeNull();
  });

  it('finds an account by id, and nothing for an id that is not an ObjectId', async () => {
    const { _id } = (await store.findAccountByEmail('ada@example.com'))!;
    expect((await store.findAccountById(_id.toHexString()))?.customerNumber).toBe('C-1');
    expect(await store.findAccountById(new Types.ObjectId().toHexString())).toBeNull();
    expect(await store.findAccountById('not-an-id')).toBeNull();
    expect(await store.findAccountById('twelve chars')).toBeNull();
    expect(await store.findAccountById('')).toBeNull();
  });

  it('reports an identical upsert as unchanged and a changed one as updated', async () => {
    expect(await store.upsertAccount(ada)).toBe('unchanged');
    const renewed = { ...ada, plans: [{ type: 'support', expiresAt: new Date('2032-07-01T00:00:00Z') }] };
    expect(await store.upsertAccount(renewed)).toBe('updated');
    expect(await store.upsertAccount(renewed)).toBe('unchanged');
    const stored = await store.findAccountByEmail('ada@example.com');
    expect(stored?.plans[0]?.expiresAt).toEqual(new Date('2032-07-01T00:00:00Z'));
    expect(await accounts().countDocuments({ customerNumber: 'C-1' })).toBe(1);
  });

  it('keeps a disabled account disabled when an upsert does not name a status', async () => {
    await store.upsertAccount({ ...ada, customerNumber: 'C-2', email: 'two@example.com', status: 'disabled' });
    expect(await store.upsertAccount({ ...ada, customerNumber: 'C-2', email: 'two@example.com' })).toBe('unchanged');
    expect((await store.findAccountByEmail('two@example.com'))?.status).toBe('disabled');
  });

  it('never creates a second account for a customer number, even when upserts race', async () => {
    const input = { ...ada, customerNumber: 'C-race', email: 'race@example.com' };
    const results = await Promise.all([1, 2, 3, 4].map(() => store.upsertAccount(input)));
    expect(results.filter((result) => result === 'created')).toHaveLength(1);
    expect(await accounts().countDocuments({ customerNumber: 'C-race' })).toBe(1);
  });

  it('finds the account linked to an upstream identity, and nothing for an unlinked one', async () => {
    const account = (await store.findAccountByEmail('ada@example.com'))!;
    const identity = await linkIdentity(account._id, 'ada-subject');
    const linked = await store.findLinkedAccount('https://login.example.com', 'ada-subject');
    expect(linked?.account.customerNumber).toBe('C-1');
    expect(linked?.identity._id).toEqual(identity._id);
    expect(linked?.identity.lastLoginAt).toBeNull();
    expect(await store.findLinkedAccount('https://login.example.com', 'someone-else')).toBeNull();
    expect(await store.findLinkedAccount('https://other.example.com', 'ada-subject')).toBeNull();
  });

  it('records the time of the last login on the identity', async () => {
    const { identity } = (await store.findLinkedAccount('https://login.example.com', 'ada-subject'))!;
    const at = new Date('2026-05-01T10:00:00Z');
    await store.recordLogin(identity._id, at);
    const after = await store.findLinkedAccount('https://login.example.com', 'ada-subject');
    expect(after?.identity.lastLoginAt).toEqual(at);
  });

  it('refuses to link an upstream identity a second time (duplicate key 11000)', async () => {
    const other = new Types.ObjectId();
    await expect(linkIdentity(other, 'ada-subject', 'google')).rejects.toMatchObject({ code: 11000 });
  });

  it('refuses a second identity of the same upstream for one account (duplicate key 11000)', async () => {
    const account = (await store.findAccountByEmail('ada@example.com'))!;
    await expect(linkIdentity(account._id, 'second-msa-subject', 'msa')).rejects.toMatchObject({ code: 11000 });
    await expect(linkIdentity(account._id, 'google-subject', 'google')).resolves.toBeDefined();
  });
});
