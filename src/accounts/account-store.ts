import { Types, type Model } from 'mongoose';
import { isObjectIdText } from '../store/object-ids.ts';
import type { Logger } from '../log/logger.ts';
import { ensureIndexes } from '../store/mongo.ts';
import type { AccountRecord, Plan } from './account-model.ts';
import type { ContactRecord } from './contact-model.ts';
import { normalizeEmail } from './email.ts';
import type { IdentityRecord } from './identity-model.ts';

export interface AccountImportModels {
  accounts: Model<AccountRecord>;
  identities: Model<IdentityRecord>;
  contacts: Model<ContactRecord>;
}
import { isDuplicateKeyError } from '../store/errors.ts';

/** A registered address of an account, as an import file gives it. */
export interface ContactInput {
  email: string;
  /** Omitted or null: the contact has no name (an import sets the name the file gives, absent included). */
  name?: string | null;
}

/** A customer account and its contacts, as an import file gives them. */
export interface AccountInput {
  customerNumber: string;
  name: string;
  plans: Array<{ type: string; expiresAt: Date }>;
  /** Omitted: a new account is active and an existing one keeps its status (an import never re-enables one). */
  status?: 'active' | 'disabled';
  contacts: ContactInput[];
}

export interface UpsertOptions {
  /**
   * Disable the account's active contacts that the input does not list. Disabled, not deleted: the memberships
   * stay (giving no access) and listing the address again re-enables the contact with its member.
   */
  prune?: boolean;
}

export interface ContactChanges {
  added: number;
  /** Renamed, or re-enabled because the input lists a disabled contact. */
  updated: number;
  unchanged: number;
  disabled: number;
}

export interface AccountUpsert {
  account: 'created' | 'updated' | 'unchanged';
  accountId: string;
  customerNumber: string;
  contacts: ContactChanges;
  /** What the upsert changed (a new account: all of its fields), for `account.changed` events. */
  changedFields: Array<'name' | 'status' | 'plans' | 'contacts'>;
  /** The contacts added, changed or disabled. */
  changedContactIds: string[];
}

type ContactUpsert = { changes: ContactChanges; changedIds: string[] };

function upserted(
  account: AccountUpsert['account'],
  accountId: Types.ObjectId,
  customerNumber: string,
  fields: Array<'name' | 'status' | 'plans'>,
  contacts: ContactUpsert,
): AccountUpsert {
  return {
    account,
    accountId: accountId.toHexString(),
    customerNumber,
    contacts: contacts.changes,
    changedFields: contacts.changedIds.length > 0 ? [...fields, 'contacts'] : fields,
    changedContactIds: contacts.changedIds,
  };
}

function samePlans(a: readonly Plan[], b: readonly Plan[]): boolean {
  return (
    a.length === b.length &&
    a.every((plan, i) => plan.type === b[i]?.type && plan.expiresAt.getTime() === b[i]?.expiresAt.getTime())
  );
}

/** Customer accounts and the upstream identities linked to them. */
export class AccountStore {
  readonly #accounts: Model<AccountRecord>;
  readonly #identities: Model<IdentityRecord>;
  readonly #contacts: Model<ContactRecord>;

  /** The models come from their owner: `new PeopleStore(connection).accountImport()`. */
  constructor(models: AccountImportModels) {
    this.#accounts = models.accounts;
    this.#identities = models.identities;
    this.#contacts = models.contacts;
  }

  async ensureIndexes(logger: Logger): Promise<void> {
    // The contacts' unique (accountId, email) index is what keeps racing upserts from registering an address twice.
    await ensureIndexes([this.#accounts, this.#identities, this.#contacts], logger);
  }

  /** An id from a token or a session is untrusted input: anything that is not an ObjectId finds nothing. */
  async findAccountById(id: string): Promise<AccountRecord | null> {
    if (!isObjectIdText(id)) return null;
    return this.#accounts.findById(new Types.ObjectId(id)).lean<AccountRecord>().exec();
  }

  /**
   * Creates or updates the account with this customer number, then its contacts by address (see upsertContacts).
   * A plain read, then an insert or an update, because FerretDB has no transactions and no atomic upsert; the unique
   * index on customerNumber makes a racing insert fail, and the loser updates the account the winner created instead
   * of creating a second one. The first model's `email` is never written: contacts hold the addresses now.
   */
  async upsertAccount(input: AccountInput, options: UpsertOptions = {}): Promise<AccountUpsert> {
    const wanted = {
      customerNumber: input.customerNumber.trim(),
      name: input.name.trim(),
      plans: input.plans.map(({ type, expiresAt }) => ({ type, expiresAt })),
    };
    let existing = await this.#findByCustomerNumber(wanted.customerNumber);
    const { customerNumber } = wanted;
    if (!existing) {
      const created = await this.#insertAccount({ ...wanted, status: input.status ?? 'active' });
      if (created) {
        const contacts = await this.#upsertContacts(created, input, options);
        return upserted('created', created, customerNumber, ['name', 'status', 'plans'], contacts);
      }
      existing = await this.#findByCustomerNumber(customerNumber);
      if (!existing) throw new Error(`account ${customerNumber}: refused as a duplicate, yet not found`);
    }
    const status = input.status ?? existing.status;
    const fields = [
      ...(existing.name === wanted.name ? [] : (['name'] as const)),
      ...(existing.status === status ? [] : (['status'] as const)),
      ...(samePlans(existing.plans, wanted.plans) ? [] : (['plans'] as const)),
    ];
    if (fields.length > 0) {
      const { name, plans } = wanted;
      await this.#accounts.updateOne({ _id: existing._id }, { $set: { name, plans, status } }).exec();
    }
    const contacts = await this.#upsertContacts(existing._id, input, options);
    return upserted(fields.length > 0 ? 'updated' : 'unchanged', existing._id, customerNumber, fields, contacts);
  }

  /** The new account's id, or null when a racing upsert created the account first. */
  async #insertAccount(
    fields: Pick<AccountRecord, 'customerNumber' | 'name' | 'plans' | 'status'>,
  ): Promise<Types.ObjectId | null> {
    try {
      return (await this.#accounts.create(fields))._id;
    } catch (error) {
      if (isDuplicateKeyError(error)) return null;
      throw error;
    }
  }

  /**
   * Registers each listed address on the account (insert, and on a duplicate key the update the racing insert left
   * to do: FerretDB has no atomic upsert, and the unique (accountId, email) index decides races), and re-enables it
   * when it was disabled. With `prune`, the account's other active contacts are disabled.
   */
  async #upsertContacts(
    accountId: Types.ObjectId,
    input: AccountInput,
    options: UpsertOptions,
  ): Promise<ContactUpsert> {
    const changes: ContactChanges = { added: 0, updated: 0, unchanged: 0, disabled: 0 };
    const changedIds: string[] = [];
    const registered = await this.#contacts.find({ accountId }).lean<ContactRecord[]>().exec();
    const known = new Map(registered.map((contact) => [contact.email, contact]));
    const listed = new Set<string>();
    for (const { email: address, name: givenName } of input.contacts) {
      const email = normalizeEmail(address);
      const name = givenName?.trim() || null;
      listed.add(email);
      const { outcome, contactId } = await this.#upsertContact(accountId, email, name, known.get(email));
      changes[outcome] += 1;
      if (outcome !== 'unchanged') changedIds.push(contactId.toHexString());
    }
    if (options.prune) {
      const stale = [...known.values()].filter((contact) => contact.status === 'active' && !listed.has(contact.email));
      if (stale.length > 0) {
        const ids = stale.map((contact) => contact._id);
        const result = await this.#contacts
          .updateMany({ _id: { $in: ids }, status: 'active' }, { $set: { status: 'disabled' } })
          .exec();
        changes.disabled = result.modifiedCount;
        changedIds.push(...ids.map((id) => id.toHexString()));
      }
    }
    return { changes, changedIds };
  }

  async #upsertContact(
    accountId: Types.ObjectId,
    email: string,
    name: string | null,
    known: ContactRecord | undefined,
  ): Promise<{ outcome: 'added' | 'updated' | 'unchanged'; contactId: Types.ObjectId }> {
    let existing = known;
    if (!existing) {
      try {
        const created = await this.#contacts.create({ accountId, email, name, status: 'active' });
        return { outcome: 'added', contactId: created._id };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        existing = (await this.#contacts.findOne({ accountId, email }).lean<ContactRecord>().exec()) ?? undefined;
        if (!existing) throw error;
      }
    }
    if (existing.name === name && existing.status === 'active')
      return { outcome: 'unchanged', contactId: existing._id };
    await this.#contacts.updateOne({ _id: existing._id }, { $set: { name, status: 'active' } }).exec();
    return { outcome: 'updated', contactId: existing._id };
  }

  #findByCustomerNumber(customerNumber: string): Promise<AccountRecord | null> {
    return this.#accounts.findOne({ customerNumber }).lean<AccountRecord>().exec();
  }
}
