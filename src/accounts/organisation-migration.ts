import type { Connection, Types } from 'mongoose';
import type { Logger } from '../log/logger.ts';
import { isDuplicateKeyError } from '../store/errors.ts';
import { ensureIndexes } from '../store/mongo.ts';
import { contactModel } from './contact-model.ts';
import { normalizeEmail } from './email.ts';
import { membershipModel } from './membership-model.ts';
import { personModel } from './person-model.ts';

/** The first model's "one identity per upstream per account" index; it would now refuse a person's second sign-in. */
export const LEGACY_IDENTITY_INDEX = 'accountId_1_upstreamId_1';

export interface MigrationReport {
  /** Whether the first model's unique index on identities (LEGACY_IDENTITY_INDEX) was found and dropped. */
  legacyIndexDropped: boolean;
  /** Accounts whose legacy `email` became a contact. */
  contactsCreated: number;
  /** People created for the accounts linked identities used to sign in as (the person's id is the account's). */
  peopleCreated: number;
  /** Identities that now name their person (`personId`). */
  identitiesMigrated: number;
  membershipsCreated: number;
  /**
   * Identities migrated to a person who is not a member of the old account: sign-in keeps their `sub` but sends
   * them through the association first.
   */
  withoutMembership: Array<{ identityId: string; accountId: string; reason: string }>;
  /** Identities left as they were because they name no account at all. */
  skipped: Array<{ identityId: string; reason: string }>;
}

/** Whether a migration found nothing to do (what every run after the first reports). */
export function migratedNothing(report: MigrationReport): boolean {
  return (
    !report.legacyIndexDropped &&
    report.contactsCreated + report.peopleCreated + report.identitiesMigrated + report.membershipsCreated === 0 &&
    report.withoutMembership.length + report.skipped.length === 0
  );
}

/** The report as lines for a person: the command's output and the start-up log. */
export function describeMigration(report: MigrationReport): string[] {
  if (migratedNothing(report)) return ['nothing to migrate'];
  return [
    `contacts created ${report.contactsCreated}, people created ${report.peopleCreated}, ` +
      `identities migrated ${report.identitiesMigrated}, memberships created ${report.membershipsCreated}, ` +
      `legacy identity index ${report.legacyIndexDropped ? 'dropped' : 'absent'}`,
    ...report.withoutMembership.map(
      ({ identityId, accountId, reason }) => `identity ${identityId} (account ${accountId}): no membership, ${reason}`,
    ),
    ...report.skipped.map(({ identityId, reason }) => `identity ${identityId}: not migrated, ${reason}`),
  ];
}

interface LegacyAccount {
  _id: Types.ObjectId;
  email: string;
}

interface LegacyIdentity {
  _id: Types.ObjectId;
  accountId?: Types.ObjectId | null;
  linkedAt?: Date | null;
}

/** How many ids one `$in` query carries, so that a large customer base is read in bounded pieces. */
const BATCH = 500;

/**
 * Moves data of the first model (an account with one `email`, identities linked to an account) into organisations:
 * the address becomes a contact of its account, and each linked identity gets a person whose id is the account's id
 * — the `sub` portals already know — and a membership as that contact. Safe to run at every start-up and by several
 * brokers at once: it reads only what is left to do (identities without a person, legacy addresses without their
 * contact), every record it creates is an insert that a unique index or the `_id` makes idempotent (FerretDB has no
 * transactions), and an identity is marked migrated last, so an interrupted run is completed by the next one.
 */
export async function migrateToOrganisations(connection: Connection, logger: Logger): Promise<MigrationReport> {
  const report: MigrationReport = {
    legacyIndexDropped: false,
    contactsCreated: 0,
    peopleCreated: 0,
    identitiesMigrated: 0,
    membershipsCreated: 0,
    withoutMembership: [],
    skipped: [],
  };
  // The inserts below rely on these unique indexes to be idempotent under races.
  const models = [contactModel(connection), personModel(connection), membershipModel(connection)];
  await ensureIndexes(models, logger);
  // First: while it exists, every new identity (accountId null) of one upstream collides with the previous one.
  report.legacyIndexDropped = await dropLegacyIdentityIndex(connection);
  const legacyAccounts = await readLegacyAccounts(connection);
  report.contactsCreated = await createLegacyContacts(connection, legacyAccounts);
  await migrateIdentities(connection, legacyAccounts, report);

  for (const line of report.withoutMembership) logger.warn(line, 'migrated identity has no membership');
  for (const line of report.skipped) logger.warn(line, 'identity not migrated');
  if (migratedNothing(report)) logger.debug('organisation migration: nothing to do');
  else logger.info({ migration: report }, 'migrated accounts and identities to organisations');
  return report;
}

async function dropLegacyIdentityIndex(connection: Connection): Promise<boolean> {
  const identities = connection.collection('identities');
  let indexes: Array<{ name?: string }>;
  try {
    indexes = await identities.listIndexes().toArray();
  } catch (error) {
    // A database that never had identities has no index to drop.
    if ((error as { codeName?: string }).codeName === 'NamespaceNotFound') return false;
    throw error;
  }
  if (!indexes.some((index) => index.name === LEGACY_IDENTITY_INDEX)) return false;
  try {
    await identities.dropIndex(LEGACY_IDENTITY_INDEX);
  } catch (error) {
    // Another broker starting at the same time dropped it first.
    if ((error as { codeName?: string }).codeName === 'IndexNotFound') return false;
    throw error;
  }
  return true;
}

/**
 * Accounts that still carry the first model's address, read from the raw collection: the address is normalised here
 * because data written before the schema's setter existed, or by hand, may not be.
 */
async function readLegacyAccounts(connection: Connection): Promise<Map<string, LegacyAccount>> {
  const found = await connection
    .collection<{ email?: unknown }>('accounts')
    .find({ email: { $type: 'string' } }, { projection: { email: 1 } })
    .toArray();
  const accounts = new Map<string, LegacyAccount>();
  for (const { _id, email } of found) {
    const address = normalizeEmail(email as string);
    if (address !== '') accounts.set(String(_id), { _id: _id as unknown as Types.ObjectId, email: address });
  }
  return accounts;
}

/**
 * Gives each account with a legacy address a contact with that address, unless it has one (active or disabled: an
 * import with --prune may have disabled it, and that stands). Contacts are read per batch of accounts, so a run with
 * nothing to do costs two reads per 500 first-model accounts.
 */
async function createLegacyContacts(connection: Connection, accounts: Map<string, LegacyAccount>): Promise<number> {
  const contacts = contactModel(connection);
  const all = [...accounts.values()];
  let created = 0;
  for (let start = 0; start < all.length; start += BATCH) {
    const batch = all.slice(start, start + BATCH);
    const existing = await contacts
      .find({ accountId: { $in: batch.map((account) => account._id) } }, { accountId: 1, email: 1 })
      .lean()
      .exec();
    const registered = new Set(existing.map((contact) => `${String(contact.accountId)} ${contact.email}`));
    for (const account of batch) {
      if (registered.has(`${String(account._id)} ${account.email}`)) continue;
      try {
        await contacts.create({ accountId: account._id, email: account.email, name: null, status: 'active' });
        created += 1;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error; // created meanwhile by another broker
      }
    }
  }
  return created;
}

/**
 * Identities without a person, read from the raw collection (the schema now requires `personId`). The oldest first,
 * so that a person created here is dated by the first link of the account.
 */
async function migrateIdentities(
  connection: Connection,
  accounts: Map<string, LegacyAccount>,
  report: MigrationReport,
): Promise<void> {
  const identities = connection.collection<LegacyIdentity & { personId?: unknown }>('identities');
  const pending = await identities.find({ personId: null }).sort({ linkedAt: 1, _id: 1 }).toArray();
  if (pending.length === 0) return;
  const existingAccounts = await readAccountIds(connection, pending);
  for (const identity of pending) {
    const identityId = String(identity._id);
    const personId = identity.accountId;
    if (!personId) {
      report.skipped.push({ identityId, reason: 'it names no account' });
      continue;
    }
    const accountId = String(personId);
    const linkedAt = identity.linkedAt ?? new Date();
    if (await createPerson(connection, personId, linkedAt)) report.peopleCreated += 1;

    const legacy = accounts.get(accountId);
    if (!existingAccounts.has(accountId)) {
      report.withoutMembership.push({ identityId, accountId, reason: 'the account no longer exists' });
    } else if (!legacy) {
      report.withoutMembership.push({ identityId, accountId, reason: 'the account has no legacy e-mail address' });
    } else {
      const membership = await createMembership(connection, personId, legacy, linkedAt);
      if (membership === 'created') report.membershipsCreated += 1;
      else if (membership !== 'existed') report.withoutMembership.push({ identityId, accountId, reason: membership });
    }
    // Last: an identity without personId is what the next run picks up, so a run interrupted above is completed.
    const marked = await identities.updateOne({ _id: identity._id, personId: null }, { $set: { personId } });
    report.identitiesMigrated += marked.modifiedCount;
  }
}

async function readAccountIds(connection: Connection, identities: readonly LegacyIdentity[]): Promise<Set<string>> {
  const byId = new Map(identities.flatMap(({ accountId }) => (accountId ? [[String(accountId), accountId]] : [])));
  const ids = [...byId.values()];
  const found = new Set<string>();
  for (let start = 0; start < ids.length; start += BATCH) {
    const batch = await connection
      .collection('accounts')
      .find({ _id: { $in: ids.slice(start, start + BATCH) } }, { projection: { _id: 1 } })
      .toArray();
    for (const { _id } of batch) found.add(String(_id));
  }
  return found;
}

/** The person whose id is the old account id: that id was the `sub` of everyone who signed in as the account. */
async function createPerson(connection: Connection, id: Types.ObjectId, createdAt: Date): Promise<boolean> {
  try {
    await personModel(connection).create({ _id: id, createdAt, associationId: null });
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false; // an earlier identity of the same account, or an earlier run
    throw error;
  }
}

/**
 * The membership of the person as the contact of the account's legacy address, or why there is none. The contact
 * may already have another member only if the new sign-in code linked someone to it before this identity was
 * migrated (a broker of the first model still running beside a new one).
 */
async function createMembership(
  connection: Connection,
  personId: Types.ObjectId,
  account: LegacyAccount,
  linkedAt: Date,
): Promise<'created' | 'existed' | string> {
  const contact = await contactModel(connection)
    .findOne({ accountId: account._id, email: account.email })
    .lean()
    .exec();
  // createLegacyContacts ran first; a contact missing now was removed meanwhile, and then there is nothing to join.
  if (!contact) return `the account has no contact ${account.email}`;
  const memberships = membershipModel(connection);
  try {
    const membership = { personId, accountId: account._id, contactId: contact._id, linkedAt, associationId: null };
    await memberships.create(membership);
    return 'created';
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
  // Duplicate key: either this person is already a member of the account (an earlier identity, an earlier run), or
  // the contact belongs to someone else. E11000 errors from FerretDB do not say which index refused the insert.
  const mine = await memberships.exists({ personId, accountId: account._id }).exec();
  return mine ? 'existed' : `the contact ${account.email} is already a member as another person`;
}
