import { Types, type Connection } from 'mongoose';
import { accountModel, type Plan } from '../accounts/account-model.ts';
import { identityModel } from '../accounts/identity-model.ts';

export interface LinkedAccountSeed {
  /** The upstream identity to link: upstream id, its issuer and the user's subject there. */
  upstreamId: string;
  issuer: string;
  subject: string;
  name: string;
  email: string;
  plans?: Plan[];
  customerNumber?: string;
}

/**
 * Creates an active customer account with an upstream identity already linked to it, as a confirmed association
 * leaves it: for the tests, the benchmarks and the demo, which need linked users without walking the e-mail flow.
 */
export async function seedLinkedAccount(connection: Connection, seed: LinkedAccountSeed): Promise<string> {
  const accountId = new Types.ObjectId();
  await accountModel(connection).create({
    _id: accountId,
    customerNumber: seed.customerNumber ?? `C-${accountId.toString().slice(-8)}`,
    name: seed.name,
    email: seed.email,
    plans: seed.plans ?? [],
    status: 'active',
  });
  await identityModel(connection).create({
    accountId,
    upstreamId: seed.upstreamId,
    issuer: seed.issuer,
    subject: seed.subject,
    linkedAt: new Date(),
    lastLoginAt: null,
  });
  return accountId.toString();
}
