import { Types, type Model } from 'mongoose';
import { isDuplicateKeyError } from '../store/errors.ts';
import type { ContactRecord } from './contact-model.ts';
import type { IdentityRecord } from './identity-model.ts';
import type { MembershipRecord } from './membership-model.ts';
import type { PersonRecord } from './person-model.ts';

import type { LinkOutcome, NewMembership } from './people.ts';
import { oid, oids } from './people-records.ts';

export interface MembershipLinkModels {
  people: Model<PersonRecord>;
  identities: Model<IdentityRecord>;
  memberships: Model<MembershipRecord>;
  contacts: Model<ContactRecord>;
}

/**
 * Writes what a confirmed association grants: the person (when new), the upstream identity (when new), and a
 * membership per contact the proven address is. Inserts are the guards: the unique indexes on identities
 * (issuer, subject), memberships (contactId) and (personId, accountId) decide races, because a conditional update
 * is not atomic on FerretDB; a duplicate-key error is then explained by reading what is there. Every write carries
 * the association's id, so a confirmation that loses to a cancel can be undone completely.
 */
export class MembershipLinks {
  readonly #people: Model<PersonRecord>;
  readonly #identities: Model<IdentityRecord>;
  readonly #memberships: Model<MembershipRecord>;
  readonly #contacts: Model<ContactRecord>;

  /** The models come from their owner, the people store (people-store.ts), which uses this for its writes. */
  constructor(models: MembershipLinkModels) {
    this.#people = models.people;
    this.#identities = models.identities;
    this.#memberships = models.memberships;
    this.#contacts = models.contacts;
  }

  async link(plain: NewMembership, now: Date): Promise<LinkOutcome> {
    const associationId = oid(plain.associationId);
    if (!associationId) throw new Error('a membership needs the id of the association that grants it');
    const request = { ...plain, associationId };
    const contacts = await this.#contacts
      .find({ _id: { $in: oids(plain.contactIds) } })
      .lean<ContactRecord[]>()
      .exec();
    const members = await this.#memberships
      .find({ contactId: { $in: contacts.map((c) => c._id) } })
      .lean<MembershipRecord[]>()
      .exec();
    let identity = await this.#identities
      .findOne({ issuer: request.issuer, subject: request.subject })
      .lean<IdentityRecord>()
      .exec();
    let wrote = false;
    // The person: the identity's own; else the member of one of the contacts (the same person adding a second
    // sign-in); else a new one.
    let personId = identity?.personId ?? members[0]?.personId ?? null;
    const identityAdded = !identity && personId !== null;
    if (!personId) {
      personId = new Types.ObjectId();
      await this.#people.create({ _id: personId, createdAt: now, associationId: request.associationId });
      wrote = true;
    }
    if (!identity) {
      try {
        await this.#identities.create({
          personId,
          upstreamId: request.upstreamId,
          issuer: request.issuer,
          subject: request.subject,
          signInName: request.signInName,
          associationId: request.associationId,
          authenticatedAt: request.authenticatedAt ?? now,
          linkedAt: now,
          lastLoginAt: null,
          email: null,
          lastClientId: null,
        });
        wrote = true;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        // A parallel confirmation of the same identity won: go on as its person.
        identity = await this.#identities
          .findOne({ issuer: request.issuer, subject: request.subject })
          .lean<IdentityRecord>()
          .exec();
        if (!identity) throw error;
        personId = identity.personId;
      }
    }

    const accountIds: Types.ObjectId[] = [];
    for (const contact of contacts) {
      const member: 'joined' | MembershipRecord | null =
        members.find((m) => m.contactId.equals(contact._id)) ?? (await this.#join(personId, contact, request, now));
      if (member === 'joined') {
        wrote = true;
        accountIds.push(contact.accountId);
      } else if (member && member.personId.equals(personId)) {
        accountIds.push(contact.accountId);
      }
    }
    if (accountIds.length === 0) return { kind: 'taken', personId: null, identityAdded: false, accountIds: [] };
    const accounts = accountIds.map((id) => id.toHexString());
    return {
      kind: wrote ? 'linked' : 'already-linked',
      personId: personId.toHexString(),
      identityAdded,
      accountIds: accounts,
    };
  }

  /** Inserts the membership, or reads the one a racing request inserted first (null: the person has the account). */
  async #join(
    personId: Types.ObjectId,
    contact: ContactRecord,
    request: { associationId: Types.ObjectId },
    now: Date,
  ): Promise<'joined' | MembershipRecord | null> {
    try {
      await this.#memberships.create({
        personId,
        accountId: contact.accountId,
        contactId: contact._id,
        linkedAt: now,
        associationId: request.associationId,
      });
      return 'joined';
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const byContact = await this.#memberships.findOne({ contactId: contact._id }).lean<MembershipRecord>().exec();
    if (byContact) return byContact;
    // Already a member of this account as another of its contacts: nothing to add, and nothing refused.
    return this.#memberships.findOne({ personId, accountId: contact.accountId }).lean<MembershipRecord>().exec();
  }

  async unlinkAssociation(id: string): Promise<void> {
    const associationId = oid(id);
    if (!associationId) return;
    await this.#memberships.deleteMany({ associationId }).exec();
    await this.#identities.deleteMany({ associationId }).exec();
    await this.#people.deleteMany({ associationId }).exec();
  }
}
