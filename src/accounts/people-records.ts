import type { Types } from 'mongoose';
import { objectIdOf } from '../store/object-ids.ts';
import type { AccountRecord } from './account-model.ts';
import type { ContactRecord } from './contact-model.ts';
import type { IdentityRecord } from './identity-model.ts';
import type { MembershipRecord } from './membership-model.ts';
import type { Account, Contact, Identity, MembershipEntry, Person } from './people.ts';
import type { PersonRecord } from './person-model.ts';

// The MongoDB side of the people store: stored records to the plain values the rest of the broker sees, and
// untrusted string ids to ObjectIds. Only the store's modules use these.

/** An id from a token, a session or a form is untrusted input: anything that is not an ObjectId finds nothing. */
export const oid = objectIdOf;

export const oids = (ids: readonly string[]): Types.ObjectId[] => ids.flatMap((id) => objectIdOf(id) ?? []);

export const toAccount = (a: AccountRecord): Account => ({
  id: a._id.toHexString(),
  customerNumber: a.customerNumber,
  name: a.name,
  plans: a.plans.map(({ type, expiresAt }) => ({ type, expiresAt })),
  status: a.status,
});

export const toContact = (c: ContactRecord): Contact => ({
  id: c._id.toHexString(),
  accountId: c.accountId.toHexString(),
  email: c.email,
  name: c.name ?? null,
  status: c.status,
});

export const toPerson = (p: PersonRecord): Person => ({ id: p._id.toHexString(), createdAt: p.createdAt });

export const toIdentity = (i: IdentityRecord): Identity => ({
  id: i._id.toHexString(),
  personId: i.personId.toHexString(),
  upstreamId: i.upstreamId,
  issuer: i.issuer,
  subject: i.subject,
  signInName: i.signInName ?? null,
  linkedAt: i.linkedAt,
  lastLoginAt: i.lastLoginAt ?? null,
  email: i.email ?? null,
  lastClientId: i.lastClientId ?? null,
  authenticatedAt: i.authenticatedAt ?? null,
  associationId: i.associationId?.toHexString() ?? null,
});

export const toMembershipEntry = (m: MembershipRecord): MembershipEntry => ({
  id: m._id.toHexString(),
  personId: m.personId.toHexString(),
  accountId: m.accountId.toHexString(),
  contactId: m.contactId.toHexString(),
  linkedAt: m.linkedAt,
  associationId: m.associationId?.toHexString() ?? null,
});
