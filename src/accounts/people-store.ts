import type { Connection, Model, Types } from 'mongoose';
import type { Logger } from '../log/logger.ts';
import { isDuplicateKeyError } from '../store/errors.ts';
import { ensureIndexes } from '../store/mongo.ts';
import { accountModel, type AccountRecord } from './account-model.ts';
import { AccountStore } from './account-store.ts';
import { contactModel, type ContactRecord } from './contact-model.ts';
import { normalizeEmail } from './email.ts';
import { identityModel, type IdentityRecord } from './identity-model.ts';
import { MembershipLinks } from './membership-links.ts';
import { membershipModel, type MembershipRecord } from './membership-model.ts';
import type {
  Account,
  Contact,
  Identity,
  JoinableContact,
  LinkOutcome,
  Membership,
  MembershipEntry,
  NewMembership,
} from './people.ts';
import type {
  AccountPatch,
  AccountWithPeople,
  Changed,
  ContactPatch,
  NewAccount,
  PeopleStorage,
  PersonWithAccounts,
  SignInSeen,
} from './people-storage.ts';
import { oid, oids, toAccount, toContact, toIdentity, toMembershipEntry, toPerson } from './people-records.ts';
import { personModel, type PersonRecord } from './person-model.ts';

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Only the fields a patch names: an absent field is left as it is, never unset. */
const defined = <T extends object>(patch: T) =>
  Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * The MongoDB queries of the organisation model: people, their upstream identities, the accounts they are members
 * of as one of its contacts, and the changes support and the CRM make one at a time. FerretDB has no joins worth the
 * name, so each read is a few indexed queries. It takes and returns plain values with string ids (people.ts): an id
 * that is no ObjectId finds nothing. Nothing here caches or tells anyone: the people directory (people-directory.ts)
 * is the only caller, and it announces every write.
 */
export class PeopleStore implements PeopleStorage {
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
    return ensureIndexes(models, logger);
  }

  async findIdentity(issuer: string, subject: string): Promise<Identity | null> {
    const found = await this.#identities.findOne({ issuer, subject }).lean<IdentityRecord>().exec();
    return found ? toIdentity(found) : null;
  }

  /** Memberships whose contact is active, oldest first (a stable order for choices), whatever the account's status. */
  async membershipsOf(personId: string): Promise<Membership[]> {
    const id = oid(personId);
    if (!id) return [];
    const memberships = await this.#memberships
      .find({ personId: id })
      .sort({ linkedAt: 1, _id: 1 })
      .lean<MembershipRecord[]>()
      .exec();
    if (memberships.length === 0) return [];
    const [accounts, contacts] = await Promise.all([
      this.#accountsByIds(memberships.map((m) => m.accountId)),
      this.#contactsByIds(memberships.map((m) => m.contactId)),
    ]);
    return memberships.flatMap((record) => {
      const membership = toMembershipEntry(record);
      const account = accounts.find((a) => a.id === membership.accountId);
      const contact = contacts.find((c) => c.id === membership.contactId);
      return account && contact && contact.status === 'active' ? [{ membership, account, contact }] : [];
    });
  }

  /** Every active contact with this address on an active account, with its member if it has one. */
  joinableContacts(address: string): Promise<JoinableContact[]> {
    return this.#joinable({ email: normalizeEmail(address), status: 'active' });
  }

  /** The contacts of these ids that can still be joined (the ones an association named, re-read at confirmation). */
  contactsByIds(ids: readonly string[]): Promise<JoinableContact[]> {
    return this.#joinable({ _id: { $in: oids(ids) }, status: 'active' });
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
    return contacts.flatMap((record) => {
      const account = accounts.find((a) => a._id.equals(record.accountId));
      if (!account) return [];
      const member = members.find((m) => m.contactId.equals(record._id));
      return [
        { contact: toContact(record), account: toAccount(account), member: member ? toMembershipEntry(member) : null },
      ];
    });
  }

  async identitiesOf(personId: string): Promise<Identity[]> {
    const id = oid(personId);
    return id ? this.#identitiesOfPeople([id]) : [];
  }

  /** Records a sign-in, the upstream authentication it proved when it proved one, and what it reported. */
  async recordLogin(identityId: string, at: Date, authenticatedAt?: Date, seen: SignInSeen = {}): Promise<void> {
    const id = oid(identityId);
    if (!id) return;
    const set = {
      lastLoginAt: at,
      ...(authenticatedAt ? { authenticatedAt } : {}),
      ...(seen.email ? { email: normalizeEmail(seen.email) } : {}),
      ...(seen.clientId !== undefined ? { lastClientId: seen.clientId } : {}),
    };
    await this.#identities.updateOne({ _id: id }, { $set: set }).exec();
  }

  async peopleWithAddress(address: string): Promise<string[]> {
    const email = normalizeEmail(address);
    const [identities, contacts] = await Promise.all([
      this.#identities.find({ email }, { personId: 1 }).lean<Pick<IdentityRecord, 'personId'>[]>().exec(),
      this.#contacts.find({ email }, { _id: 1 }).lean<Pick<ContactRecord, '_id'>[]>().exec(),
    ]);
    const members = contacts.length
      ? await this.#memberships
          .find({ contactId: { $in: contacts.map((c) => c._id) } }, { personId: 1 })
          .lean<Pick<MembershipRecord, 'personId'>[]>()
          .exec()
      : [];
    return [...new Set([...identities, ...members].map((r) => r.personId.toHexString()))].sort();
  }

  link(request: NewMembership, now: Date): Promise<LinkOutcome> {
    return this.#links.link(request, now);
  }

  unlinkAssociation(associationId: string): Promise<void> {
    return this.#links.unlinkAssociation(associationId);
  }

  /** The removed membership, or null when there was none of this id. */
  async removeMembership(id: string): Promise<MembershipEntry | null> {
    const key = oid(id);
    const removed = key ? await this.#memberships.findOneAndDelete({ _id: key }).lean<MembershipRecord>().exec() : null;
    return removed ? toMembershipEntry(removed) : null;
  }

  /** The removed sign-in, or null when there was none of this id. */
  async removeIdentity(id: string): Promise<Identity | null> {
    const key = oid(id);
    const removed = key ? await this.#identities.findOneAndDelete({ _id: key }).lean<IdentityRecord>().exec() : null;
    return removed ? toIdentity(removed) : null;
  }

  async findAccount(id: string): Promise<Account | null> {
    const key = oid(id);
    const found = key ? await this.#accounts.findById(key).lean<AccountRecord>().exec() : null;
    return found ? toAccount(found) : null;
  }

  /** The unique customer number decides races: a duplicate answers 'duplicate'. */
  async createAccount(input: NewAccount): Promise<Account | 'duplicate'> {
    try {
      return toAccount((await this.#accounts.create(input)).toObject());
    } catch (error) {
      if (isDuplicateKeyError(error)) return 'duplicate';
      throw error;
    }
  }

  async changeAccount(id: string, patch: AccountPatch): Promise<Changed<Account> | null> {
    const before = await this.findAccount(id);
    if (!before) return null;
    await this.#accounts.updateOne({ _id: oid(id) }, { $set: defined(patch) }).exec();
    const after = await this.findAccount(id);
    return after ? { before, after } : null;
  }

  /** The unique (accountId, email) index decides duplicates, as for the import. */
  async addContact(accountId: string, input: { email: string; name?: string | null }): Promise<Contact | 'duplicate'> {
    try {
      const account = oid(accountId);
      if (!account) throw new Error('a contact needs the id of its account');
      const fields = {
        accountId: account,
        email: normalizeEmail(input.email),
        name: input.name ?? null,
        status: 'active' as const,
      };
      return toContact((await this.#contacts.create(fields)).toObject());
    } catch (error) {
      if (isDuplicateKeyError(error)) return 'duplicate';
      throw error;
    }
  }

  async changeContact(id: string, patch: ContactPatch): Promise<Changed<Contact> | null | 'duplicate'> {
    const key = oid(id);
    const before = key ? await this.#contacts.findById(key).lean<ContactRecord>().exec() : null;
    if (!before || !key) return null;
    const set = defined({ ...patch, ...(patch.email !== undefined ? { email: normalizeEmail(patch.email) } : {}) });
    // FerretDB reports a duplicate key from an update as an internal error, not 11000 (FERRETDB.md): the address is
    // looked up first. The unique index still refuses a duplicate that races this check (then as an error).
    const newAddress = set.email !== undefined && set.email !== before.email;
    if (
      newAddress &&
      (await this.#contacts.exists({ accountId: before.accountId, email: set.email, _id: { $ne: key } }))
    )
      return 'duplicate';
    try {
      await this.#contacts.updateOne({ _id: key }, { $set: set }).exec();
    } catch (error) {
      if (isDuplicateKeyError(error)) return 'duplicate';
      throw error;
    }
    const after = await this.#contacts.findById(key).lean<ContactRecord>().exec();
    return after ? { before: toContact(before), after: toContact(after) } : null;
  }

  /** By customer number (exact), name (contains, any case) or a contact's address (exact, normalised). */
  async searchAccounts(query: string, limit: number): Promise<Account[]> {
    const contacts = query.includes('@')
      ? await this.#contacts
          .find({ email: normalizeEmail(query) })
          .limit(limit)
          .lean<ContactRecord[]>()
          .exec()
      : [];
    const accounts = await this.#accounts
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
    return accounts.map(toAccount);
  }

  /** An account with its contacts (by address), its memberships (oldest first) and its members' sign-ins. */
  async accountWithPeople(id: string): Promise<AccountWithPeople | null> {
    const key = oid(id);
    const account = key ? await this.#accounts.findById(key).lean<AccountRecord>().exec() : null;
    if (!account || !key) return null;
    const [contacts, memberships] = await Promise.all([
      this.#contacts.find({ accountId: key }).sort({ email: 1 }).lean<ContactRecord[]>().exec(),
      this.#memberships.find({ accountId: key }).sort({ linkedAt: 1 }).lean<MembershipRecord[]>().exec(),
    ]);
    const identities = await this.#identitiesOfPeople(memberships.map((m) => m.personId));
    return {
      account: toAccount(account),
      contacts: contacts.map(toContact),
      memberships: memberships.map(toMembershipEntry),
      identities,
    };
  }

  /** A person with their sign-ins, memberships, and the accounts and contacts those name. */
  async personWithAccounts(id: string): Promise<PersonWithAccounts | null> {
    const key = oid(id);
    const person = key ? await this.#people.findById(key).lean<PersonRecord>().exec() : null;
    if (!person || !key) return null;
    const [identities, memberships] = await Promise.all([
      this.#identitiesOfPeople([key]),
      this.#memberships.find({ personId: key }).lean<MembershipRecord[]>().exec(),
    ]);
    const [accounts, contacts] = await Promise.all([
      this.#accountsByIds(memberships.map((m) => m.accountId)),
      this.#contactsByIds(memberships.map((m) => m.contactId)),
    ]);
    return {
      person: toPerson(person),
      identities,
      memberships: memberships.map(toMembershipEntry),
      accounts,
      contacts,
    };
  }

  async #accountsByIds(ids: readonly Types.ObjectId[]): Promise<Account[]> {
    const found = await this.#accounts
      .find({ _id: { $in: [...ids] } })
      .lean<AccountRecord[]>()
      .exec();
    return found.map(toAccount);
  }

  async #contactsByIds(ids: readonly Types.ObjectId[]): Promise<Contact[]> {
    const found = await this.#contacts
      .find({ _id: { $in: [...ids] } })
      .lean<ContactRecord[]>()
      .exec();
    return found.map(toContact);
  }

  async #identitiesOfPeople(personIds: readonly Types.ObjectId[]): Promise<Identity[]> {
    const found = await this.#identities
      .find({ personId: { $in: [...personIds] } })
      .sort({ linkedAt: 1 })
      .lean<IdentityRecord[]>()
      .exec();
    return found.map(toIdentity);
  }
}
