import { Types } from 'mongoose';
import { accountModel } from '../../src/accounts/account-model.ts';
import { PeopleStore } from '../../src/accounts/people-store.ts';
import type { AccountStore } from '../../src/accounts/account-store.ts';
import { type AccountInput } from '../../src/accounts/account-store.ts';
import { contactModel } from '../../src/accounts/contact-model.ts';
import { identityModel } from '../../src/accounts/identity-model.ts';
import { openTestMongo, silentLogger, type TestMongo } from '../support/stores.ts';

const ada: AccountInput = {
  customerNumber: 'C-1',
  name: 'Ada Lovelace Ltd',
  plans: [{ type: 'support', expiresAt: new Date('2031-07-01T00:00:00Z') }],
  contacts: [{ email: 'ada@example.com', name: 'Ada Lovelace' }],
};
const noContactChanges = { added: 0, updated: 0, unchanged: 1, disabled: 0 };

describe('AccountStore', () => {
  let mongo: TestMongo;
  let store: AccountStore;

  beforeAll(async () => {
    mongo = await openTestMongo();
    store = new PeopleStore(mongo.connection).accountImport();
    await store.ensureIndexes(silentLogger);
  });
  afterAll(() => mongo.dispose());

  const accounts = () => accountModel(mongo.connection);
  const contacts = () => contactModel(mongo.connection);
  const identities = () => identityModel(mongo.connection);

  async function linkIdentity(personId: Types.ObjectId, subject: string, upstreamId = 'msa') {
    return identities().create({
      personId,
      upstreamId,
      issuer: 'https://login.example.com',
      subject,
      linkedAt: new Date(),
    });
  }

  it('creates an active account by default with its contacts, their addresses normalised', async () => {
    const result = await store.upsertAccount({
      ...ada,
      contacts: [{ email: '  Ada@Example.COM ', name: ' Ada Lovelace ' }],
    });
    expect(result).toMatchObject({ account: 'created', contacts: { added: 1, updated: 0, unchanged: 0, disabled: 0 } });
    const stored = await accounts().findOne({ customerNumber: 'C-1' }).lean();
    expect(stored).toMatchObject({
      _id: new Types.ObjectId(result.accountId),
      name: 'Ada Lovelace Ltd',
      status: 'active',
    });
    expect(stored?.email ?? null).toBeNull();
    expect(stored?.plans).toEqual([{ type: 'support', expiresAt: new Date('2031-07-01T00:00:00Z') }]);
    expect(await contacts().find({ accountId: result.accountId }).lean()).toMatchObject([
      { email: 'ada@example.com', name: 'Ada Lovelace', status: 'active' },
    ]);
  });

  it('finds an account by id, and nothing for an id that is not an ObjectId', async () => {
    const { _id } = (await accounts().findOne({ customerNumber: 'C-1' }).lean())!;
    expect((await store.findAccountById(_id.toHexString()))?.customerNumber).toBe('C-1');
    expect(await store.findAccountById(new Types.ObjectId().toHexString())).toBeNull();
    expect(await store.findAccountById('not-an-id')).toBeNull();
    expect(await store.findAccountById('twelve chars')).toBeNull();
    expect(await store.findAccountById('')).toBeNull();
  });

  it('reports an identical upsert as unchanged and a changed one as updated', async () => {
    expect(await store.upsertAccount(ada)).toMatchObject({ account: 'unchanged', contacts: noContactChanges });
    const renewed = { ...ada, plans: [{ type: 'support', expiresAt: new Date('2032-07-01T00:00:00Z') }] };
    expect(await store.upsertAccount(renewed)).toMatchObject({ account: 'updated', contacts: noContactChanges });
    expect(await store.upsertAccount(renewed)).toMatchObject({ account: 'unchanged', contacts: noContactChanges });
    const stored = await accounts().findOne({ customerNumber: 'C-1' }).lean();
    expect(stored?.plans[0]?.expiresAt).toEqual(new Date('2032-07-01T00:00:00Z'));
    expect(await accounts().countDocuments({ customerNumber: 'C-1' })).toBe(1);
  });

  it('keeps a disabled account disabled when an upsert does not name a status', async () => {
    const two = { ...ada, customerNumber: 'C-2' };
    await store.upsertAccount({ ...two, status: 'disabled' });
    expect((await store.upsertAccount(two)).account).toBe('unchanged');
    expect((await accounts().findOne({ customerNumber: 'C-2' }).lean())?.status).toBe('disabled');
  });

  it('leaves the first model’s address of an existing account as it is for the migration', async () => {
    const { insertedId } = await accounts().collection.insertOne({
      customerNumber: 'C-legacy',
      name: 'Legacy',
      email: 'legacy@example.com',
      plans: [],
      status: 'active',
    });
    await store.upsertAccount({ ...ada, customerNumber: 'C-legacy', name: 'Legacy renamed' });
    expect(await accounts().collection.findOne({ _id: insertedId })).toMatchObject({
      name: 'Legacy renamed',
      email: 'legacy@example.com',
    });
  });

  it('registers one address on several accounts, once per account', async () => {
    const shared = { email: 'office@example.com' };
    await store.upsertAccount({ ...ada, customerNumber: 'C-3', contacts: [shared] });
    await store.upsertAccount({ ...ada, customerNumber: 'C-4', contacts: [shared] });
    expect(await contacts().countDocuments({ email: 'office@example.com' })).toBe(2);
  });

  it('never creates a second account or contact, even when upserts race', async () => {
    const input = {
      ...ada,
      customerNumber: 'C-race',
      contacts: [{ email: 'race@example.com' }, { email: 'two@example.com' }],
    };
    const results = await Promise.all([1, 2, 3, 4].map(() => store.upsertAccount(input)));
    expect(results.filter((result) => result.account === 'created')).toHaveLength(1);
    expect(results.reduce((sum, result) => sum + result.contacts.added, 0)).toBe(2);
    expect(await accounts().countDocuments({ customerNumber: 'C-race' })).toBe(1);
    expect(await contacts().countDocuments({ accountId: results[0]?.accountId })).toBe(2);
  });

  it('disables the unlisted contacts only when asked to prune, and enables a disabled one listed again', async () => {
    const team = { ...ada, customerNumber: 'C-5', contacts: [{ email: 'a@example.com' }, { email: 'b@example.com' }] };
    const { accountId } = await store.upsertAccount(team);
    const onlyA = { ...team, contacts: [{ email: 'a@example.com' }] };
    expect((await store.upsertAccount(onlyA)).contacts).toEqual({ added: 0, updated: 0, unchanged: 1, disabled: 0 });
    expect((await store.upsertAccount(onlyA, { prune: true })).contacts).toEqual({
      added: 0,
      updated: 0,
      unchanged: 1,
      disabled: 1,
    });
    expect(await contacts().findOne({ accountId, email: 'b@example.com' }).lean()).toMatchObject({
      status: 'disabled',
    });
    expect((await store.upsertAccount(team)).contacts).toEqual({ added: 0, updated: 1, unchanged: 1, disabled: 0 });
    expect(await contacts().findOne({ accountId, email: 'b@example.com' }).lean()).toMatchObject({ status: 'active' });
  });

  it('refuses to link an upstream identity a second time (duplicate key 11000)', async () => {
    await linkIdentity(new Types.ObjectId(), 'ada-subject');
    await expect(linkIdentity(new Types.ObjectId(), 'ada-subject', 'google')).rejects.toMatchObject({ code: 11000 });
  });

  it('lets one person link several identities, of one upstream or of several', async () => {
    const person = new Types.ObjectId();
    await linkIdentity(person, 'first-msa-subject', 'msa');
    await expect(linkIdentity(person, 'second-msa-subject', 'msa')).resolves.toBeDefined();
    await expect(linkIdentity(person, 'google-subject', 'google')).resolves.toBeDefined();
  });
});
