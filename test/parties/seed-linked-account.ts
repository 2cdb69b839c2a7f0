import { Types, type Connection } from 'mongoose';
import { accountModel, type Plan } from '../../src/accounts/account-model.ts';
import { contactModel } from '../../src/accounts/contact-model.ts';
import { identityModel } from '../../src/accounts/identity-model.ts';
import { membershipModel } from '../../src/accounts/membership-model.ts';
import { personModel } from '../../src/accounts/person-model.ts';

export interface AccountSeed {
  name: string;
  /** The account's registered addresses (its contacts). */
  email: string | readonly string[];
  plans?: Plan[];
  customerNumber?: string;
}

export interface LinkedAccountSeed extends AccountSeed {
  /** The upstream identity to link: upstream id, its issuer and the user's subject there. */
  upstreamId: string;
  issuer: string;
  subject: string;
}

/** Creates an active customer account with its contacts; returns the account id. */
export async function seedAccount(connection: Connection, seed: AccountSeed): Promise<string> {
  const accountId = new Types.ObjectId();
  await accountModel(connection).create({
    _id: accountId,
    customerNumber: seed.customerNumber ?? `C-${accountId.toString().slice(-8)}`,
    name: seed.name,
    plans: seed.plans ?? [],
    status: 'active',
  });
  const addresses = typeof seed.email === 'string' ? [seed.email] : seed.email;
  await contactModel(connection).insertMany(addresses.map((email) => ({ accountId, email, status: 'active' })));
  return accountId.toString();
}

/**
 * Creates an active customer account with a person already a member (as its first contact) and the upstream
 * identity linked to that person, as a confirmed association leaves it: for the tests, the benchmarks and the demo,
 * which need linked users without walking the e-mail flow. The person's id (the `sub`) is the account's, as for
 * people migrated from the first model.
 */
export async function seedLinkedAccount(connection: Connection, seed: LinkedAccountSeed): Promise<string> {
  const accountId = await seedAccount(connection, seed);
  const personId = new Types.ObjectId(accountId);
  const [first] = typeof seed.email === 'string' ? [seed.email] : seed.email;
  const contact = await contactModel(connection).findOne({ accountId: personId, email: first }).lean().exec();
  if (!contact) throw new Error('the seeded contact is missing');
  const now = new Date();
  await personModel(connection).create({ _id: personId, createdAt: now, associationId: null });
  await identityModel(connection).create({
    personId,
    upstreamId: seed.upstreamId,
    issuer: seed.issuer,
    subject: seed.subject,
    linkedAt: now,
    lastLoginAt: null,
  });
  await membershipModel(connection).create({
    personId,
    accountId: personId,
    contactId: contact._id,
    linkedAt: now,
    associationId: null,
  });
  return accountId;
}
