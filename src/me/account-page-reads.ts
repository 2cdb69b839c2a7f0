import type { Identity, Membership } from '../accounts/people.ts';
import type { AuditEventType } from '../audit/audit-store.ts';
import { readPage } from '../store/list-cursor.ts';
import type { AccountPageContext } from './account-page-context.ts';
import { NotYours } from './account-page-problems.ts';

/** Entries of the audit trail that the person's page lists as changes to their links (never their detail). */
export const CHANGES_SHOWN: readonly AuditEventType[] = [
  'association.confirmed',
  'association.disowned',
  'admin.identity-linked',
  'admin.identity-removed',
  'admin.membership-removed',
  'person.membership-left',
  'person.identity-added',
  'person.identity-removed',
  'person.signed-out-everywhere',
];

export const SIGN_INS_PER_PAGE = 10;
export const CHANGES_PER_PAGE = 10;

export interface AccountView {
  membershipId: string;
  accountName: string;
  customerNumber: string;
  plans: Array<{ type: string; expiresAt: Date; active: boolean }>;
  since: Date;
  /** The registered address the person acts as. */
  contactEmail: string;
  disabled: boolean;
}

export interface SignInView {
  identityId: string;
  upstreamName: string;
  /** What the provider reported at the last recorded sign-in: its text, shown as data. */
  email: string | null;
  /** How the sign-in named itself when it was linked (a masked address or a bounded name), when no address is known. */
  name: string | null;
  /** What tells it apart from another sign-in at the same provider (the address, else the name). */
  label: string | null;
  firstUsed: Date;
  lastUsed: Date | null;
  /** The sign-in this page session was opened with. */
  current: boolean;
}

export interface ActivityView {
  signIns: Array<{ at: Date; upstreamName: string; portalName: string | null }>;
  /** Offset of the next page of sign-ins; null on the last. */
  nextSignIns: number | null;
  changes: Array<{ at: Date; type: AuditEventType; upstreamName: string | null; accountName: string | null }>;
  nextChanges: string | null;
}

const upstreamNameOf = (context: AccountPageContext, id: string) =>
  context.upstreams.find((u) => u.id === id)?.name ?? id;

export function accountsOf(memberships: readonly Membership[], now: Date): AccountView[] {
  return memberships.map(({ membership, account, contact }) => ({
    membershipId: membership.id,
    accountName: account.name,
    customerNumber: account.customerNumber,
    plans: account.plans.map((plan) => ({ ...plan, active: plan.expiresAt > now })),
    since: membership.linkedAt,
    contactEmail: contact.email,
    disabled: account.status !== 'active',
  }));
}

export function signInsOf(
  context: AccountPageContext,
  identities: readonly Identity[],
  currentId: string,
): SignInView[] {
  return identities.map((identity) => ({
    identityId: identity.id,
    upstreamName: upstreamNameOf(context, identity.upstreamId),
    email: identity.email,
    name: identity.email ? null : identity.signInName || null,
    label: identity.email ?? (identity.signInName || null),
    firstUsed: identity.linkedAt,
    lastUsed: identity.lastLoginAt,
    current: identity.id === currentId,
  }));
}

/**
 * The person's sign-ins (from their activity list) and the changes to their links (from the audit trail: entries
 * naming the person or one of their sign-ins, of the types above), newest first, a page of each.
 */
export async function activityOf(
  context: AccountPageContext,
  personId: string,
  identities: readonly Identity[],
  memberships: readonly Membership[],
  page: { signInsFrom: number; changesCursor?: string | undefined },
): Promise<ActivityView> {
  // One more than the page shows: whether an older page exists, without counting the list.
  const read = await context.activity.page(personId, page.signInsFrom, SIGN_INS_PER_PAGE + 1);
  const entries = read.slice(0, SIGN_INS_PER_PAGE);
  const person = { id: personId, signIns: identities.map(({ upstreamId, subject }) => ({ upstreamId, subject })) };
  const changes = await readPage(
    { limit: CHANGES_PER_PAGE, cursor: page.changesCursor },
    (limit, after) => context.audit.search({ person, types: CHANGES_SHOWN }, { limit, ...(after ? { after } : {}) }),
    (entry) => ({ at: entry.at, id: entry.id }),
  );
  // A cursor this page did not hand out (edited, stale after an upgrade).
  if (!changes) throw new NotYours();
  // A sign-in linked at once (by support, or added on this page) is also an association confirmed: one entry says it.
  const linkedAtOnce = new Set(
    changes.items
      .filter((entry) => entry.type === 'person.identity-added' || entry.type === 'admin.identity-linked')
      .map((entry) => entry.detail?.pendingId),
  );
  const shown = changes.items.filter(
    (entry) => entry.type !== 'association.confirmed' || !linkedAtOnce.has(entry.detail?.pendingId),
  );
  // Only the names of accounts the person acts for: an entry about an account they left names none.
  const accountNames = new Map(memberships.map(({ account }) => [account.id, account.name]));
  const following = page.signInsFrom + SIGN_INS_PER_PAGE;
  return {
    signIns: entries.map((entry) => ({
      at: entry.at,
      upstreamName: upstreamNameOf(context, entry.upstreamId),
      portalName: context.portalName(entry.clientId) ?? null,
    })),
    nextSignIns: read.length > SIGN_INS_PER_PAGE ? following : null,
    changes: shown.map((entry) => ({
      at: entry.at,
      type: entry.type,
      upstreamName: entry.upstreamId ? upstreamNameOf(context, entry.upstreamId) : null,
      accountName: entry.accountId ? (accountNames.get(entry.accountId) ?? null) : null,
    })),
    nextChanges: changes.next,
  };
}
