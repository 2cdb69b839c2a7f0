import type { Connection } from 'mongoose';
import { accountModel } from '../../src/accounts/account-model.ts';
import { AccountStore } from '../../src/accounts/account-store.ts';
import { identityModel } from '../../src/accounts/identity-model.ts';
import type { UpstreamConfig } from '../../src/config/index.ts';
import { isDuplicateKeyError } from '../../src/store/errors.ts';

const IN_A_YEAR = new Date(Date.now() + 365 * 86_400_000);

/**
 * Customer accounts of the demo. Registered addresses differ from the Demo ID sign-in addresses on purpose:
 * that is the situation the association flow exists for.
 */
export const DEMO_ACCOUNTS = [
  { customerNumber: '100001', name: 'Alice Corp', email: 'billing@alice-corp.example', plans: [{ type: 'support', expiresAt: IN_A_YEAR }] },
  { customerNumber: '100002', name: 'Bob Industries', email: 'it@bob-industries.example', plans: [{ type: 'enhancement', expiresAt: IN_A_YEAR }] },
  { customerNumber: '100003', name: 'Carol & Co', email: 'office@carol.example', plans: [] },
];

/**
 * Starts the demo from the same state every time: every collection emptied (documents only, so the indexes the
 * broker created stay), the demo accounts created, and alice's Demo ID identity linked to Alice Corp so SSO can be
 * tried at once.
 */
export async function seedDemoAccounts(connection: Connection, upstream: UpstreamConfig): Promise<void> {
  for (const collection of await connection.listCollections()) {
    await connection.collection(collection.name).deleteMany({});
  }
  const accounts = new AccountStore(connection);
  for (const account of DEMO_ACCOUNTS) await accounts.upsertAccount(account);
  const alice = await accountModel(connection).findOne({ customerNumber: '100001' }).lean();
  if (!alice) return;
  try {
    await identityModel(connection).create({
      accountId: alice._id,
      upstreamId: upstream.id,
      issuer: upstream.issuer,
      subject: 'alice-0001',
      linkedAt: new Date(),
      lastLoginAt: null,
    });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error; // already linked by an earlier run
  }
}
