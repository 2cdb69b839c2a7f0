import { Types, type Connection, type Model } from 'mongoose';
import type { Logger } from '../log/logger.ts';
import { ensureIndexes } from '../store/mongo.ts';
import { accountModel, type AccountRecord } from './account-model.ts';
import { contactModel, type ContactRecord } from './contact-model.ts';
import { normalizeEmail } from './email.ts';
import { identityModel, type IdentityRecord } from './identity-model.ts';
import { membershipModel, type MembershipRecord } from './membership-model.ts';
import { personModel, type PersonRecord } from './person-model.ts';

/** A person's membership with what portals are told about it: the account and the contact (its address). */
export interface Membership {
  membership: MembershipRecord;
  account: AccountRecord;
  contact: ContactRecord;
}

/** A registered address on an account that can be joined (both active). */
export interface JoinableContact {
  contact: ContactRecord;
  account: AccountRecord;
  /** The person already acting as this contact, if any. */
  member: MembershipRecord | null;
}

const OBJECT_ID = /^[0-9a-f]{24}$/i;

/** An id from a token, a session or a form is untrusted input: anything that is not an ObjectId finds nothing. */
export function objectIdOf(id: unknown): Types.ObjectId | null {
  return typeof id === 'string' && OBJECT_ID.test(id) ? new Types.ObjectId(id) : id instanceof Types.ObjectId ? id : null;
}

/**
 * Reads of the organisation model: people, their upstream identities, and the accounts they are members of as one
 * of its contacts. FerretDB has no joins worth the name, so each read is a few indexed queries.
 */
export class PeopleDirectory {
  readonly #accounts: Model<AccountRecord>;
  readonly #contacts: Model<ContactRecord>;
  readonly #people: Model<PersonRecord>;
  readonly #identities: Model<IdentityRecord>;
  readonly #memberships: Model<MembershipRecord>;

  constructor(connection: Connection) {
    this.#accounts = accountModel(connection);
    this.#contacts = contactModel(connection);
    this.#people = personModel(connection);
    this.#identities = identityModel(connection);
    this.#memberships = membershipModel(connection);
  }

  ensureIndexes(logger: Logger): Promise<void> {
    const models = [this.#accounts, this.#contacts, this.#people, this.#identities, this.#memberships];
    return ensureIndexes(models as unknown as Model<never>[], logger);
  }

  findIdentity(issuer: string, subject: string): Promise<IdentityRecord | null> {
    return this.#identities.findOne({ issuer, subject }).lean<IdentityRecord>().exec();
  }

  /** The memberships that count: account and contact both active, oldest first (a stable order for choices). */
  async membershipsOf(personId: unknown): Promise<Membership[]> {
    const id = objectIdOf(personId);
    if (!id) return [];
    const memberships = await this.#memberships.find({ personId: id }).sort({ linkedAt: 1, _id: 1 }).lean<MembershipRecord[]>().exec();
    if (memberships.length === 0) return [];
    const [accounts, contacts] = await Promise.all([
      this.#accounts.find({ _id: { $in: memberships.map((m) => m.accountId) } }).lean<AccountRecord[]>().exec(),
      this.#contacts.find({ _id: { $in: memberships.map((m) => m.contactId) } }).lean<ContactRecord[]>().exec(),
    ]);
    return memberships.flatMap((membership) => {
      const account = accounts.find((a) => a._id.equals(membership.accountId));
      const contact = contacts.find((c) => c._id.equals(membership.contactId));
      return account && contact && contact.status === 'active' ? [{ membership, account, contact }] : [];
    });
  }

  /** Every active contact with this address on an active account, with its member if it has one. */
  async joinableContacts(address: string): Promise<JoinableContact[]> {
    return this.#joinable({ email: normalizeEmail(address), status: 'active' });
  }

  /** The contacts of these ids that can still be joined (the ones an association named, re-read at confirmation). */
  contactsByIds(ids: readonly Types.ObjectId[]): Promise<JoinableContact[]> {
    return this.#joinable({ _id: { $in: [...ids] }, status: 'active' });
  }

  async #joinable(filter: Record<string, unknown>): Promise<JoinableContact[]> {
    const contacts = await this.#contacts.find(filter).sort({ _id: 1 }).lean<ContactRecord[]>().exec();
    if (contacts.length === 0) return [];
    const [accounts, members] = await Promise.all([
      this.#accounts.find({ _id: { $in: contacts.map((c) => c.accountId) }, status: 'active' }).lean<AccountRecord[]>().exec(),
      this.#memberships.find({ contactId: { $in: contacts.map((c) => c._id) } }).lean<MembershipRecord[]>().exec(),
    ]);
    return contacts.flatMap((contact) => {
      const account = accounts.find((a) => a._id.equals(contact.accountId));
      if (!account) return [];
      return [{ contact, account, member: members.find((m) => m.contactId.equals(contact._id)) ?? null }];
    });
  }

  identitiesOf(personId: Types.ObjectId): Promise<IdentityRecord[]> {
    return this.#identities.find({ personId }).sort({ linkedAt: 1 }).lean<IdentityRecord[]>().exec();
  }

  /** Records a sign-in, and the upstream authentication it proved when it proved one. */
  async recordLogin(identityId: Types.ObjectId, at: Date, authenticatedAt?: Date): Promise<void> {
    await this.#identities
      .updateOne({ _id: identityId }, { $set: { lastLoginAt: at, ...(authenticatedAt ? { authenticatedAt } : {}) } })
      .exec();
  }
}
