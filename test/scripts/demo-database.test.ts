import { NotADemoDatabase, seedDemoAccounts } from '../../scripts/lib/demo-accounts.ts';
import { parseConfig } from '../../src/config/index.ts';
import { baseConfigDocument } from '../support/config.ts';
import { openTestMongo, type TestMongo } from '../support/stores.ts';

describe('the demo database', () => {
  let mongo: TestMongo;
  const upstream = parseConfig(baseConfigDocument(), {
    MONGODB_URI: 'mongodb://127.0.0.1:27017/x',
    REDIS_URL: 'redis://127.0.0.1:6379',
  }).upstreams[0]!;

  beforeEach(async () => {
    mongo = await openTestMongo();
  });
  afterEach(() => mongo.dispose());

  it('is seeded from an empty database, and seeded again from the same state on the next start', async () => {
    await seedDemoAccounts(mongo.connection, upstream);
    await mongo.connection.collection('auditevents').insertOne({ type: 'from the first run' });
    await seedDemoAccounts(mongo.connection, upstream);
    expect(await mongo.connection.collection('auditevents').countDocuments()).toBe(0);
    expect(await mongo.connection.collection('accounts').countDocuments()).toBe(4);
    expect(await mongo.connection.collection('memberships').countDocuments()).toBe(2);
  });

  it('is never a database holding data the demo did not create: it refuses and empties nothing', async () => {
    await mongo.connection.collection('accounts').insertOne({ customerNumber: 'REAL-1', name: 'A real customer' });
    await expect(seedDemoAccounts(mongo.connection, upstream)).rejects.toThrow(NotADemoDatabase);
    expect(await mongo.connection.collection('accounts').countDocuments({ customerNumber: 'REAL-1' })).toBe(1);
  });
});
