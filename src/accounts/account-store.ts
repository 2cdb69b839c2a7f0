import { Types, type Connection, type Model } from 'mongoose';
import type { Logger } from '../log/logger.ts';
import { ensureIndexes } from '../store/mongo.ts';
import { accountModel, type AccountRecord, type Plan } from './account-model.ts';
import { normalizeEmail } from './email.ts';
import { identityModel, type IdentityRecord } from './identity-model.ts';
import { isDuplicateKeyError } from '../store/errors.ts';

export interface AccountInput {
  customerNumber: string;
  name: string;
  email: string;
  plans: Array<{ type: string; expiresAt: Date }>;
  /** Omitted: a new account is active and an existing one keeps its status (an import never re-enables one). */
  status?: 'active' | 'disabled';
}

const OBJECT_ID = /^[0-9a-f]{24}$/i;

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

  constructor(connection: Connection) {
    this.#accounts = accountModel(connection);
    this.#identities = identityModel(connection);
  }

  async ensureIndexes(logger: Logger): Promise<void> {
    await ensureIndexes([this.#accounts, this.#identities] as unknown as Model<never>[], logger);
  }

  /** An id from a token or a session is untrusted input: anything that is not an ObjectId finds nothing. */
  async findAccountById(id: string): Promise<AccountRecord | null> {
    if (!OBJECT_ID.test(id)) return null;
    return this.#accounts.findById(new Types.ObjectId(id)).lean<AccountRecord>().exec();
  }

  async findAccountByEmail(email: string): Promise<AccountRecord | null> {
    // Sorted so that an address registered for several accounts always finds the same (the oldest) one.
    return this.#accounts
      .findOne({ email: normalizeEmail(email) })
      .sort({ _id: 1 })
      .lean<AccountRecord>()
      .exec();
  }

  /** The account an upstream identity signs in as; null when unlinked or when the account has since been removed. */
  async findLinkedAccount(
    issuer: string,
    subject: string,
  ): Promise<{ identity: IdentityRecord; account: AccountRecord } | null> {
    const identity = await this.#identities.findOne({ issuer, subject }).lean<IdentityRecord>().exec();
    if (!identity) return null;
    const account = await this.#accounts.findById(identity.accountId).lean<AccountRecord>().exec();
    return account ? { identity, account } : null;
  }

  /** Records a sign-in, and the upstream authentication it proved when it proved one. */
  async recordLogin(identityId: Types.ObjectId, at: Date = new Date(), authenticatedAt?: Date): Promise<void> {
    await this.#identities
      .updateOne({ _id: identityId }, { $set: { lastLoginAt: at, ...(authenticatedAt ? { authenticatedAt } : {}) } })
      .exec();
  }

  /**
   * Creates or updates the account with this customer number. A plain read, then an insert or an update, because
   * FerretDB has no transactions and no atomic upsert; the unique index on customerNumber makes a racing insert
   * fail, and the loser updates the account the winner created instead of creating a second one.
   */
  async upsertAccount(input: AccountInput): Promise<'created' | 'updated' | 'unchanged'> {
    const wanted = {
      customerNumber: input.customerNumber.trim(),
      name: input.name.trim(),
      email: normalizeEmail(input.email),
      plans: input.plans.map(({ type, expiresAt }) => ({ type, expiresAt })),
    };
    let existing = await this.#findByCustomerNumber(wanted.customerNumber);
    if (!existing) {
      try {
        await this.#accounts.create({ ...wanted, status: input.status ?? 'active' });
        return 'created';
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        existing = await this.#findByCustomerNumber(wanted.customerNumber);
        if (!existing) throw error;
      }
    }
    const status = input.status ?? existing.status;
    if (
      existing.name === wanted.name &&
      existing.email === wanted.email &&
      existing.status === status &&
      samePlans(existing.plans, wanted.plans)
    ) {
      return 'unchanged';
    }
    const { name, email, plans } = wanted;
    await this.#accounts.updateOne({ _id: existing._id }, { $set: { name, email, plans, status } }).exec();
    return 'updated';
  }

  #findByCustomerNumber(customerNumber: string): Promise<AccountRecord | null> {
    return this.#accounts.findOne({ customerNumber }).lean<AccountRecord>().exec();
  }
}
