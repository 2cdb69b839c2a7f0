import { cachedAccounts } from '../../src/accounts/account-cache.ts';
import { AccountStore } from '../../src/accounts/account-store.ts';
import { openTestMongo, type TestMongo } from '../support/stores.ts';

describe('account reads for tokens', () => {
  let mongo: TestMongo;
  let store: AccountStore;
  let id: string;

  beforeAll(async () => {
    mongo = await openTestMongo();
    store = new AccountStore(mongo.connection);
    await store.upsertAccount({ customerNumber: '200001', name: 'Before', email: 'a@example.com', plans: [] });
    id = (await store.findAccountByEmail('a@example.com'))!._id.toString();
  });
  afterAll(() => mongo.dispose());

  it('reuse an account for the configured time, then see changes', async () => {
    const reader = cachedAccounts(store, { ttlMs: 300 });
    expect((await reader.findAccountById(id))?.name).toBe('Before');
    await store.upsertAccount({ customerNumber: '200001', name: 'After', email: 'a@example.com', plans: [] });
    expect((await reader.findAccountById(id))?.name).toBe('Before');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await reader.findAccountById(id))?.name).toBe('After');
    await store.upsertAccount({ customerNumber: '200001', name: 'Before', email: 'a@example.com', plans: [] });
  });

  it('read every time with a time of 0, and find nothing for an unknown id', async () => {
    const reader = cachedAccounts(store, { ttlMs: 0 });
    expect((await reader.findAccountById(id))?.name).toBe('Before');
    await store.upsertAccount({ customerNumber: '200001', name: 'Changed', email: 'a@example.com', plans: [] });
    expect((await reader.findAccountById(id))?.name).toBe('Changed');
    expect(await cachedAccounts(store, { ttlMs: 1000 }).findAccountById('000000000000000000000000')).toBeNull();
  });
});
