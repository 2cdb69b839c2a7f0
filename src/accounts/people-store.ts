import { type Connection, type Model, type Types } from 'mongoose';
import type { Logger } from '../log/logger.ts';
import { isDuplicateKeyError } from '../store/errors.ts';
import { ensureIndexes } from '../store/mongo.ts';
import { accountModel, type AccountRecord, type Plan } from './account-model.ts';
import { contactModel, type ContactRecord } from './contact-model.ts';
import { normalizeEmail } from './email.ts';
import { identityModel, type IdentityRecord } from './identity-model.ts';
import { AccountStore } from './account-store.ts';
import { MembershipLinks } from './membership-links.ts';
import { membershipModel, type MembershipRecord } from './membership-model.ts';
import { personModel, type PersonRecord } from './person-model.ts';
import type { LinkOutcome, NewMembership } from './membership-links.ts';

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

export interface NewAccount {
  customerNumber: string;
  name: string;
  plans: Plan[];
  status: 'active' | 'disabled';
}

export interface AccountPatch {
  name?: string;
  plans?: Plan[];
  status?: 'active' | 'disabled';
}

export interface ContactPatch {
  email?: string;
  name?: string | null;
  status?: 'active' | 'disabled';
}

/** A change of one record: what it was and what it is now. */
export interface Changed<T> {
  before: T;
  after: T;
}

export interface AccountWithPeople {
  account: AccountRecord;
  contacts: ContactRecord[];
  memberships: MembershipRecord[];
  identities: IdentityRecord[];
}

export interface PersonWithAccounts {
  person: PersonRecord;
  identities: IdentityRecord[];
  memberships: MembershipRecord[];
  accounts: AccountRecord[];
  contacts: ContactRecord[];
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Only the fields a patch names: an absent field is left as it is, never unset. */
const defined = <T extends object>(patch: T) =>
  Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * The MongoDB queries of the organisation model: people, their upstream identities, the accounts they are members
 * of as one of its contacts, and the changes support and the CRM make one at a time. FerretDB has no joins worth the
 * name, so each read is a few indexed queries. Nothing here caches or tells anyone: the people directory
 * (people-directory.ts) is the only caller, and it announces every write.
 */
export class PeopleStore {
  readonly #accounts: Model<AccountRecord>;
  readonly #contacts: Model<ContactRecord>;
  readonly #people: Model<PersonRecord>;
  readonly #identities: Model<IdentityRecord>;
  readonly #memberships: Model<MembershipRecord>;
  readonly #links: MembershipLinks;

  constructor(connection: Connection) {
    this.#accounts = accountModel(connection);
    this.#contacts = contactModel(connection);
    this.#people = personModel(connection);
    this.#identities = identityModel(connection);
    this.#memberships = membershipModel(connection);
    this.#links = new MembershipLinks({
      people: this.#people,
      identities: this.#identities,
      memberships: this.#memberships,
      contacts: this.#contacts,
    });
  }

  /** The writer of `npm run accounts -- import`: whole files of accounts and contacts. */
  accountImport(): AccountStore {
    return new AccountStore({ accounts: this.#accounts, identities: this.#identities, contacts: this.#contacts });
  }

  ensureIndexes(logger: Logger): Promise<void> {
    const models = [this.#accounts, this.#contacts, this.#people, this.#identities, this.#memberships];
    return ensureIndexes(models as unknown as Model<never>[], logger);
  }

  findIdentity(issuer: string, subject: string): Promise<IdentityRecord | null> {
    return this.#identities.findOne({ issuer, subject }).lean<IdentityRecord>().exec();
  }

  /** Memberships whose contact is active, oldest first (a stable order for choices), whatever the account's status. */
  async membershipsOf(personId: Types.ObjectId): Promise<Membership[]> {
    const memberships = await this.#memberships
      .find({ personId })
      .sort({ linkedAt: 1, _id: 1 })
      .lean<MembershipRecord[]>()
      .exec();
    if (memberships.length === 0) return [];
    const [accounts, contacts] = await Promise.all([
      this.#accounts
        .find({ _id: { $in: memberships.map((m) => m.accountId) } })
        .lean<AccountRecord[]>()
        .exec(),
      this.#contacts
        .find({ _id: { $in: memberships.map((m) => m.contactId) } })
        .lean<ContactRecord[]>()
        .exec(),
    ]);
    return memberships.flatMap((membership) => {
      const account = accounts.find((a) => a._id.equals(membership.accountId));
      const contact = contacts.find((c) => c._id.equals(membership.contactId));
      return account && contact && contact.status === 'active' ? [{ membership, account, contact }] : [];
    });
  }

  /** Every active contact with this address on an active account, with its member if it has one. */
  joinableContacts(address: string): Promise<JoinableContact[]> {
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
      this.#accounts
        .find({ _id: { $in: contacts.map((c) => c.accountId) }, status: 'active' })
        .lean<AccountRecord[]>()
        .exec(),
      this.#memberships
        .find({ contactId: { $in: contacts.map((c) => c._id) } })
        .lean<MembershipRecord[]>()
        .exec(),
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

  link(request: NewMembership, now: Date): Promise<LinkOutcome> {
    return this.#links.link(request, now);
  }

  unlinkAssociation(associationId: Types.ObjectId): Promise<void> {
    return this.#links.unlinkAssociation(associationId);
  }

  /** The removed membership, or null when there was none of this id. */
  removeMembership(id: Types.ObjectId): Promise<MembershipRecord | null> {
    return this.#memberships.findOneAndDelete({ _id: id }).lean<MembershipRecord>().exec();
  }

  /** The removed sign-in, or null when there was none of this id. */
  removeIdentity(id: Types.ObjectId): Promise<IdentityRecord | null> {
    return this.#identities.findOneAndDelete({ _id: id }).lean<IdentityRecord>().exec();
  }

  findAccount(id: Types.ObjectId): Promise<AccountRecord | null> {
    return this.#accounts.findById(id).lean<AccountRecord>().exec();
  }

  /** The unique customer number decides races: a duplicate answers 'duplicate'. */
  async createAccount(input: NewAccount): Promise<AccountRecord | 'duplicate'> {
    try {
      return (await this.#accounts.create(input)).toObject();
    } catch (error) {
      if (isDuplicateKeyError(error)) return 'duplicate';
      throw error;
    }
  }

  async changeAccount(id: Types.ObjectId, patch: AccountPatch): Promise<Changed<AccountRecord> | null> {
    const before = await this.findAccount(id);
    if (!before) return null;
    await this.#accounts.updateOne({ _id: id }, { $set: defined(patch) }).exec();
    const after = await this.findAccount(id);
    return after ? { before, after } : null;
  }

  /** The unique (accountId, email) index decides duplicates, as for the import. */
  async addContact(
    accountId: Types.ObjectId,
    input: { email: string; name?: string | null },
  ): Promise<ContactRecord | 'duplicate'> {
    try {
      const fields = {
        accountId,
        email: normalizeEmail(input.email),
        name: input.name ?? null,
        status: 'active' as const,
      };
      return (await this.#contacts.create(fields)).toObject();
    } catch (error) {
      if (isDuplicateKeyError(error)) return 'duplicate';
      throw error;
    }
  }

  async changeContact(id: Types.ObjectId, patch: ContactPatch): Promise<Changed<ContactRecord> | null | 'duplicate'> {
    const before = await this.#contacts.findById(id).lean<ContactRecord>().exec();
    if (!before) return null;
    const set = defined({ ...patch, ...(patch.email !== undefined ? { email: normalizeEmail(patch.email) } : {}) });
    try {
      await this.#contacts.updateOne({ _id: id }, { $set: set }).exec();
    } catch (error) {
      if (isDuplicateKeyError(error)) return 'duplicate';
      throw error;
    }
    const after = await this.#contacts.findById(id).lean<ContactRecord>().exec();
    return after ? { before, after } : null;
  }

  /** By customer number (exact), name (contains, any case) or a contact's address (exact, normalised). */
  async searchAccounts(query: string, limit: number): Promise<AccountRecord[]> {
    const contacts = query.includes('@')
      ? await this.#contacts
          .find({ email: normalizeEmail(query) })
          .limit(limit)
          .lean<ContactRecord[]>()
          .exec()
      : [];
    return this.#accounts
      .find({
        $or: [
          { customerNumber: query },
          { name: { $regex: escapeRegex(query), $options: 'i' } },
          { _id: { $in: contacts.map((c) => c.accountId) } },
        ],
      })
      .sort({ customerNumber: 1 })
      .limit(limit)
      .lean<AccountRecord[]>()
      .exec();
  }

  /** An account with its contacts (by address), its memberships (oldest first) and its members' sign-ins. */
  async accountWithPeople(id: Types.ObjectId): Promise<AccountWithPeople | null> {
    const account = await this.findAccount(id);
    if (!account) return null;
    const [contacts, memberships] = await Promise.all([
      this.#contacts.find({ accountId: id }).sort({ email: 1 }).lean<ContactRecord[]>().exec(),
      this.#memberships.find({ accountId: id }).sort({ linkedAt: 1 }).lean<MembershipRecord[]>().exec(),
    ]);
    const identities = await this.#identitiesOfPeople(memberships.map((m) => m.personId));
    return { account, contacts, memberships, identities };
  }

  /** A person with their sign-ins, memberships, and the accounts and contacts those name. */
  async personWithAccounts(id: Types.ObjectId): Promise<PersonWithAccounts | null> {
    const person = await this.#people.findById(id).lean<PersonRecord>().exec();
    if (!person) return null;
    const [identities, memberships] = await Promise.all([
      this.#identitiesOfPeople([id]),
      this.#memberships.find({ personId: id }).lean<MembershipRecord[]>().exec(),
    ]);
    const [accounts, contacts] = await Promise.all([
      this.#accounts
        .find({ _id: { $in: memberships.map((m) => m.accountId) } })
        .lean<AccountRecord[]>()
        .exec(),
      this.#contacts
        .find({ _id: { $in: memberships.map((m) => m.contactId) } })
        .lean<ContactRecord[]>()
        .exec(),
    ]);
    return { person, identities, memberships, accounts, contacts };
  }

  #identitiesOfPeople(personIds: readonly Types.ObjectId[]): Promise<IdentityRecord[]> {
    return this.#identities
      .find({ personId: { $in: [...personIds] } })
      .sort({ linkedAt: 1 })
      .lean<IdentityRecord[]>()
      .exec();
  }
}
