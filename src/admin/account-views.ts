import type { Types } from 'mongoose';
import { accountModel, type AccountRecord } from '../accounts/account-model.ts';
import { contactModel, type ContactRecord } from '../accounts/contact-model.ts';
import { normalizeEmail } from '../accounts/email.ts';
import { identityModel, type IdentityRecord } from '../accounts/identity-model.ts';
import { membershipModel, type MembershipRecord } from '../accounts/membership-model.ts';
import { objectIdOf } from '../accounts/people-directory.ts';
import { personModel, type PersonRecord } from '../accounts/person-model.ts';
import { maskEmail } from '../audit/audit-log.ts';
import { stateOf } from '../linking/association-flow.ts';
import { pendingAssociationModel, type PendingAssociationRecord } from '../linking/pending-association-model.ts';
import type { AdminContext } from './admin-context.ts';
import { AdminNotFound } from './admin-errors.ts';
import { auditView, findAudit } from './audit-trail.ts';

// What staff see of the organisation model: plain JSON, ids as hex strings. An entered address is shown masked:
// it may be someone else's address that the sign-in typed, and support needs only to recognise it.

const SEARCH_LIMIT = 50;

export function accountSummary(a: AccountRecord) {
  return {
    id: a._id.toHexString(),
    customerNumber: a.customerNumber,
    name: a.name,
    status: a.status,
    plans: a.plans.map((p) => ({ type: p.type, expiresAt: p.expiresAt.toISOString() })),
  };
}

export function contactView(c: ContactRecord, member: MembershipRecord | undefined) {
  return {
    id: c._id.toHexString(),
    accountId: c.accountId.toHexString(),
    email: c.email,
    name: c.name,
    status: c.status,
    personId: member?.personId.toHexString() ?? null,
  };
}

export function signInView(i: IdentityRecord) {
  return {
    id: i._id.toHexString(),
    upstreamId: i.upstreamId,
    issuer: i.issuer,
    subject: i.subject,
    signInName: i.signInName ?? null,
    linkedAt: i.linkedAt.toISOString(),
    lastLoginAt: i.lastLoginAt?.toISOString() ?? null,
  };
}

export function associationView(p: PendingAssociationRecord, now: Date) {
  return {
    id: p._id.toHexString(),
    upstreamId: p.upstreamId,
    subject: p.subject,
    signInName: p.signInName,
    enteredEmail: maskEmail(p.enteredEmail),
    contactIds: p.contactIds.map((id) => id.toHexString()),
    state: stateOf(p, now),
    createdAt: p.createdAt.toISOString(),
    expiresAt: p.expiresAt.toISOString(),
    confirmedAt: p.confirmedAt?.toISOString() ?? null,
    attempts: p.attempts,
  };
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** By customer number (exact), name (contains, any case) or a contact's address (exact, normalised). */
export async function searchAccounts(context: AdminContext, query: string) {
  const q = query.trim();
  if (!q) return [];
  const contacts = q.includes('@')
    ? await contactModel(context.db)
        .find({ email: normalizeEmail(q) })
        .limit(SEARCH_LIMIT)
        .lean<ContactRecord[]>()
        .exec()
    : [];
  const accounts = await accountModel(context.db)
    .find({
      $or: [
        { customerNumber: q },
        { name: { $regex: escapeRegex(q), $options: 'i' } },
        { _id: { $in: contacts.map((c) => c.accountId) } },
      ],
    })
    .sort({ customerNumber: 1 })
    .limit(SEARCH_LIMIT)
    .lean<AccountRecord[]>()
    .exec();
  return accounts.map(accountSummary);
}

async function signInsOf(context: AdminContext, personIds: readonly Types.ObjectId[]): Promise<IdentityRecord[]> {
  return identityModel(context.db)
    .find({ personId: { $in: [...personIds] } })
    .sort({ linkedAt: 1 })
    .lean<IdentityRecord[]>()
    .exec();
}

function lastSignIn(identities: readonly IdentityRecord[]): string | null {
  const times = identities.flatMap((i) => (i.lastLoginAt ? [i.lastLoginAt.getTime()] : []));
  return times.length > 0 ? new Date(Math.max(...times)).toISOString() : null;
}

/** An account with its contacts, members (their sign-ins, last sign-in), pending associations and recent audit. */
export async function accountDetail(context: AdminContext, accountId: string) {
  const id = objectIdOf(accountId);
  const account = id ? await accountModel(context.db).findById(id).lean<AccountRecord>().exec() : null;
  if (!account || !id) throw new AdminNotFound('account');
  const [contacts, memberships] = await Promise.all([
    contactModel(context.db).find({ accountId: id }).sort({ email: 1 }).lean<ContactRecord[]>().exec(),
    membershipModel(context.db).find({ accountId: id }).sort({ linkedAt: 1 }).lean<MembershipRecord[]>().exec(),
  ]);
  const [identities, associations, audit] = await Promise.all([
    signInsOf(
      context,
      memberships.map((m) => m.personId),
    ),
    pendingAssociationModel(context.db)
      .find({ contactIds: { $in: contacts.map((c) => c._id) } })
      .sort({ createdAt: -1 })
      .limit(SEARCH_LIMIT)
      .lean<PendingAssociationRecord[]>()
      .exec(),
    findAudit(context, { accountId }, 20),
  ]);
  const now = context.now();
  return {
    account: accountSummary(account),
    contacts: contacts.map((c) =>
      contactView(
        c,
        memberships.find((m) => m.contactId.equals(c._id)),
      ),
    ),
    members: memberships.map((m) => {
      const signIns = identities.filter((i) => i.personId.equals(m.personId));
      return {
        membershipId: m._id.toHexString(),
        personId: m.personId.toHexString(),
        contactId: m.contactId.toHexString(),
        linkedAt: m.linkedAt.toISOString(),
        signIns: signIns.map(signInView),
        lastSignInAt: lastSignIn(signIns),
      };
    }),
    pendingAssociations: associations.map((p) => associationView(p, now)),
    recentAudit: audit.map(auditView),
  };
}

/**
 * The associations one sign-in asked for, newest first, whether or not the entered address matched a contact: how
 * support finds the request of a person who typed an address nobody registered (then registers it and resends).
 */
export async function associationsOfSignIn(context: AdminContext, signIn: { upstreamId: string; subject: string }) {
  const records = await pendingAssociationModel(context.db)
    .find({ upstreamId: signIn.upstreamId, subject: signIn.subject })
    .sort({ createdAt: -1, _id: -1 })
    .limit(SEARCH_LIMIT)
    .lean<PendingAssociationRecord[]>()
    .exec();
  const now = context.now();
  return records.map((p) => associationView(p, now));
}

/** A person: their sign-ins and the accounts they act for (as which contact). */
export async function personDetail(context: AdminContext, personId: string) {
  const id = objectIdOf(personId);
  const person = id ? await personModel(context.db).findById(id).lean<PersonRecord>().exec() : null;
  if (!person || !id) throw new AdminNotFound('person');
  const [identities, memberships] = await Promise.all([
    signInsOf(context, [id]),
    membershipModel(context.db).find({ personId: id }).lean<MembershipRecord[]>().exec(),
  ]);
  const [accounts, contacts] = await Promise.all([
    accountModel(context.db)
      .find({ _id: { $in: memberships.map((m) => m.accountId) } })
      .lean<AccountRecord[]>()
      .exec(),
    contactModel(context.db)
      .find({ _id: { $in: memberships.map((m) => m.contactId) } })
      .lean<ContactRecord[]>()
      .exec(),
  ]);
  return {
    id: id.toHexString(),
    createdAt: person.createdAt.toISOString(),
    signIns: identities.map(signInView),
    lastSignInAt: lastSignIn(identities),
    memberships: memberships.map((m) => {
      const account = accounts.find((a) => a._id.equals(m.accountId));
      const contact = contacts.find((c) => c._id.equals(m.contactId));
      return {
        membershipId: m._id.toHexString(),
        linkedAt: m.linkedAt.toISOString(),
        account: account ? accountSummary(account) : null,
        contact: contact ? contactView(contact, m) : null,
      };
    }),
  };
}
