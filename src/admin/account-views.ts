import { idOf, type Account, type Contact, type Identity, type MembershipEntry } from '../accounts/people-directory.ts';
import { maskEmail } from '../audit/mask-email.ts';
import { stateOf } from '../linking/association-flow.ts';
import type { PendingAssociation } from '../linking/pending-association.ts';
import type { AdminContext } from './admin-context.ts';
import { AdminInvalidRequest, AdminNotFound } from './admin-errors.ts';
import { auditView, findAudit } from './audit-trail.ts';
import type {
  AccountDetailView,
  AccountView,
  AssociationView,
  ContactView,
  PersonView,
  SignInView,
} from './representations.ts';

// What staff see of the organisation model: plain JSON, ids as hex strings. An entered address is shown masked:
// it may be someone else's address that the sign-in typed, and support needs only to recognise it.

const SEARCH_LIMIT = 50;

export function accountSummary(a: Account): AccountView {
  return {
    id: a.id,
    customerNumber: a.customerNumber,
    name: a.name,
    status: a.status,
    plans: a.plans.map((p) => ({ type: p.type, expiresAt: p.expiresAt.toISOString() })),
  };
}

export function contactView(c: Contact, member: MembershipEntry | undefined | null): ContactView {
  return {
    id: c.id,
    accountId: c.accountId,
    email: c.email,
    name: c.name,
    status: c.status,
    personId: member?.personId ?? null,
  };
}

export function signInView(i: Identity): SignInView {
  return {
    id: i.id,
    personId: i.personId,
    upstreamId: i.upstreamId,
    issuer: i.issuer,
    subject: i.subject,
    signInName: i.signInName ?? null,
    email: i.email,
    linkedAt: i.linkedAt.toISOString(),
    // An identity is written by the sign-in that confirmed its association: its first use through the broker.
    firstUsedAt: i.linkedAt.toISOString(),
    lastUsedAt: i.lastLoginAt?.toISOString() ?? null,
    lastPortal: i.lastClientId,
  };
}

export function associationView(p: PendingAssociation, now: Date): AssociationView {
  return {
    id: p.id,
    upstreamId: p.upstreamId,
    subject: p.subject,
    signInName: p.signInName,
    enteredEmail: maskEmail(p.enteredEmail),
    contactIds: [...p.contactIds],
    state: stateOf(p, now),
    createdAt: p.createdAt.toISOString(),
    expiresAt: p.expiresAt.toISOString(),
    confirmedAt: p.confirmedAt?.toISOString() ?? null,
    attempts: p.attempts,
  };
}

/** By customer number (exact), name (contains, any case) or a contact's address (exact, normalised). */
export async function searchAccounts(context: AdminContext, query: string) {
  const q = query.trim();
  if (!q) return [];
  return (await context.directory.searchAccounts(q, SEARCH_LIMIT)).map(accountSummary);
}

function lastSignIn(identities: readonly Identity[]): string | null {
  const times = identities.flatMap((i) => (i.lastLoginAt ? [i.lastLoginAt.getTime()] : []));
  return times.length > 0 ? new Date(Math.max(...times)).toISOString() : null;
}

/** An account with its contacts, members (their sign-ins, last sign-in), pending associations and recent audit. */
export async function accountDetail(context: AdminContext, accountId: string): Promise<AccountDetailView> {
  const id = idOf(accountId);
  const found = id ? await context.directory.accountWithPeople(id) : null;
  if (!found) throw new AdminNotFound('account');
  const { account, contacts, memberships, identities } = found;
  const [associations, audit] = await Promise.all([
    context.linking.pending.listForContacts(
      contacts.map((c) => c.id),
      SEARCH_LIMIT,
    ),
    findAudit(context, { accountId }, 20),
  ]);
  const now = context.now();
  return {
    account: accountSummary(account),
    contacts: contacts.map((c) =>
      contactView(
        c,
        memberships.find((m) => m.contactId === c.id),
      ),
    ),
    members: memberships.map((m) => {
      const signIns = identities.filter((i) => i.personId === m.personId);
      return {
        membershipId: m.id,
        personId: m.personId,
        contactId: m.contactId,
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
  const records = await context.linking.pending.listForSignIn(signIn, SEARCH_LIMIT);
  const now = context.now();
  return records.map((p) => associationView(p, now));
}

/**
 * People by what a stuck customer quotes: the sign-in (`<upstreamId>:<subject>`, as the association page and the
 * support request show it) or an address (a sign-in's reported address, or a contact's registered one).
 */
export async function searchPeople(context: AdminContext, query: { signIn?: string; email?: string }) {
  const ids = new Set<string>();
  if (query.signIn !== undefined) {
    const colon = query.signIn.indexOf(':');
    const issuer = colon > 0 ? context.upstreamIssuer(query.signIn.slice(0, colon)) : undefined;
    if (!issuer) throw new AdminInvalidRequest('signIn: <upstreamId>:<subject>, with a configured upstream');
    const identity = await context.directory.findIdentity(issuer, query.signIn.slice(colon + 1));
    if (identity) ids.add(identity.personId);
  }
  if (query.email !== undefined) for (const id of await context.directory.peopleWithAddress(query.email)) ids.add(id);
  const people = await Promise.all([...ids].slice(0, SEARCH_LIMIT).map((id) => personDetail(context, id)));
  return { people };
}

/** A person: their sign-ins and the accounts they act for (as which contact). */
export async function personDetail(context: AdminContext, personId: string): Promise<PersonView> {
  const id = idOf(personId);
  const found = id ? await context.directory.personWithAccounts(id) : null;
  if (!found || !id) throw new AdminNotFound('person');
  const { person, identities, memberships, accounts, contacts } = found;
  return {
    id,
    createdAt: person.createdAt.toISOString(),
    signIns: identities.map(signInView),
    lastSignInAt: lastSignIn(identities),
    memberships: memberships.map((m) => {
      const account = accounts.find((a) => a.id === m.accountId);
      const contact = contacts.find((c) => c.id === m.contactId);
      return {
        membershipId: m.id,
        linkedAt: m.linkedAt.toISOString(),
        account: account ? accountSummary(account) : null,
        contact: contact ? contactView(contact, m) : null,
      };
    }),
  };
}
