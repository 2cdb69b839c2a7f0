import { Types, type Connection } from 'mongoose';
import { contactModel } from '../../src/accounts/contact-model.ts';
import { membershipModel } from '../../src/accounts/membership-model.ts';
import type { UpstreamConfig } from '../../src/config/index.ts';
import { seedAccount, seedLinkedAccount } from '../../test/parties/seed-linked-account.ts';

const IN_A_YEAR = new Date(Date.now() + 365 * 86_400_000);
const DEMO_MARKER = 'identitybrokerdemo';

/** The demo empties its database on every start: only one it created itself (or an empty one) may be emptied. */
export class NotADemoDatabase extends Error {}

async function assertDemoDatabase(connection: Connection): Promise<void> {
  const collections = (await connection.listCollections()).map((c) => c.name);
  if (collections.includes(DEMO_MARKER)) return;
  const holdsData = (
    await Promise.all(collections.map((name) => connection.collection(name).estimatedDocumentCount()))
  ).some((n) => n > 0);
  if (holdsData) {
    throw new NotADemoDatabase(
      `MONGODB_URI names the database "${connection.name}", which holds data the demo did not create: the demo empties its database on every start, so it refuses. Point MONGODB_URI at another database.`,
    );
  }
  await connection
    .collection(DEMO_MARKER)
    .insertOne({ createdAt: new Date(), note: 'created by npm run demo, which empties this database on every start' });
}

/**
 * Customer accounts of the demo. Registered addresses differ from the Demo ID sign-in addresses on purpose: that
 * is the situation the association flow exists for. Bob Industries has two contacts (two colleagues); alice acts
 * for two accounts, Alice Corp and Northwind Traders, and chooses at sign-in.
 */
export const DEMO_ACCOUNTS = [
  {
    customerNumber: '100001',
    name: 'Alice Corp',
    email: ['billing@alice-corp.example'],
    plans: [{ type: 'support', expiresAt: IN_A_YEAR }],
  },
  {
    customerNumber: '100002',
    name: 'Bob Industries',
    email: ['it@bob-industries.example', 'purchasing@bob-industries.example'],
    plans: [{ type: 'enhancement', expiresAt: IN_A_YEAR }],
  },
  { customerNumber: '100003', name: 'Carol & Co', email: ['office@carol.example'], plans: [] },
  {
    customerNumber: '100004',
    name: 'Northwind Traders',
    email: ['alice@northwind.example'],
    plans: [{ type: 'enhancement', expiresAt: IN_A_YEAR }],
  },
];

/**
 * Starts the demo from the same state every time: every collection emptied (documents only, so the indexes the
 * broker created stay), the demo accounts created, and alice's Demo ID identity a member of Alice Corp and of
 * Northwind Traders, so SSO and the account choice can be tried at once.
 */
export async function seedDemoAccounts(connection: Connection, upstream: UpstreamConfig): Promise<void> {
  await assertDemoDatabase(connection);
  for (const collection of await connection.listCollections()) {
    if (collection.name !== DEMO_MARKER) await connection.collection(collection.name).deleteMany({});
  }
  const [alice, ...others] = DEMO_ACCOUNTS;
  if (!alice) return;
  const personId = await seedLinkedAccount(connection, {
    ...alice,
    upstreamId: upstream.id,
    issuer: upstream.issuer,
    subject: 'alice-0001',
  });
  for (const account of others) await seedAccount(connection, account);
  const northwind = await contactModel(connection).findOne({ email: 'alice@northwind.example' }).lean().exec();
  if (!northwind) return;
  await membershipModel(connection).create({
    personId: new Types.ObjectId(personId),
    accountId: northwind.accountId,
    contactId: northwind._id,
    linkedAt: new Date(),
    associationId: null,
  });
}
