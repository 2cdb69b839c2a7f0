import { idOf } from '../../accounts/people-directory.ts';
import { recordAdminChange } from '../admin-audit.ts';
import type { AdminContext } from '../admin-context.ts';
import { AdminConflict, AdminNotFound } from '../admin-errors.ts';
import type { AdminActor } from '../admin-roles.ts';
import type { SupportRequest, SupportRequestSearch } from '../../support-requests/support-requests.ts';
import { readPage } from '../list-page.ts';
import type { SupportRequestView } from '../representations.ts';

export function supportRequestView(r: SupportRequest): SupportRequestView {
  return {
    id: r.id,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    signIn: { upstreamId: r.upstreamId, issuer: r.issuer, subject: r.subject, signInName: r.signInName },
    replyTo: r.replyTo,
    customer: r.customer,
    message: r.message,
    clientId: r.clientId,
    resolvedAt: r.resolvedAt?.toISOString() ?? null,
    resolvedBy: r.resolvedBy,
  };
}

export interface SupportRequestQuery {
  /** `any`: open and resolved. */
  status: SupportRequest['status'] | 'any';
  /** Requests sent by a sign-in of one of the account's members (see `signInsOf`). */
  accountId?: string;
  /** Requests sent by one of the person's sign-ins. */
  personId?: string;
  /** Created from this instant (included). */
  createdFrom?: Date;
  /** Created before this instant (excluded). */
  createdTo?: Date;
  /** Contained in the message, customer, reply address or sign-in name, in any case; taken literally. */
  q?: string;
}

type SignIn = { issuer: string; subject: string };
const keyOf = ({ issuer, subject }: SignIn) => `${issuer}\n${subject}`;

/**
 * The sign-ins whose requests the account and person criteria select; undefined when neither is given. A request
 * is not linked to an account when it is sent (the person is stuck before the association that would tell which),
 * so a request belongs to an account when the sign-in that sent it is now one of a member's: once support has
 * linked the person, their earlier requests show under the account. A request from a sign-in linked to no one
 * belongs to no account yet; `q` finds it by the customer it typed. An id that is no id (or an account or person
 * that is not there) selects no sign-in, so it matches nothing rather than everything.
 */
async function signInsOf(context: AdminContext, query: SupportRequestQuery): Promise<SignIn[] | undefined> {
  const chosen: SignIn[][] = [];
  if (query.accountId !== undefined) {
    const accountId = idOf(query.accountId);
    const account = accountId ? await context.directory.accountWithPeople(accountId) : null;
    chosen.push(account?.identities ?? []);
  }
  if (query.personId !== undefined) {
    const personId = idOf(query.personId);
    chosen.push(personId ? await context.directory.identitiesOf(personId) : []);
  }
  const [first, second] = chosen;
  if (!first) return undefined;
  const signIns = first.map(({ issuer, subject }) => ({ issuer, subject }));
  // Both given: the person's sign-ins, as far as they are a member's of the account.
  if (!second) return signIns;
  const alsoSecond = new Set(second.map(keyOf));
  return signIns.filter((s) => alsoSecond.has(keyOf(s)));
}

/** A page of requests, newest first, after the page `cursor` ended (400 for a cursor this API did not hand out). */
export async function supportRequestPage(
  context: AdminContext,
  query: SupportRequestQuery,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ supportRequests: SupportRequestView[]; next: string | null }> {
  const signIns = await signInsOf(context, query);
  const text = query.q?.trim();
  const criteria: SupportRequestSearch = {
    ...(query.status !== 'any' ? { status: query.status } : {}),
    ...(signIns ? { signIns } : {}),
    ...(query.createdFrom ? { createdFrom: query.createdFrom } : {}),
    ...(query.createdTo ? { createdTo: query.createdTo } : {}),
    ...(text ? { text } : {}),
  };
  const { items, next } = await readPage(
    { limit: Math.min(Math.max(page.limit, 1), 500), cursor: page.cursor },
    (limit, after) => context.supportRequests.search(criteria, { limit, ...(after ? { after } : {}) }),
    (request) => ({ at: request.createdAt, id: request.id }),
  );
  return { supportRequests: items.map(supportRequestView), next };
}

/** Marks a request answered, with who did it (the audit keeps the note). */
export async function resolveSupportRequest(
  context: AdminContext,
  actor: AdminActor,
  id: string,
  note: string | undefined,
) {
  const requestId = idOf(id);
  const record = requestId ? await context.supportRequests.find(requestId) : null;
  if (!record || !requestId) throw new AdminNotFound('support request');
  if (record.status !== 'open') throw new AdminConflict('the support request is resolved already');
  const resolvedAt = context.now();
  await context.supportRequests.resolve(requestId, resolvedAt, actor.id);
  // A request is sent before its sign-in is linked; once it is, the person's and their accounts' trails show it.
  const identity = await context.directory.findIdentity(record.issuer, record.subject);
  const memberships = identity ? await context.directory.membershipsOf(identity.personId) : [];
  await recordAdminChange(context, actor, {
    type: 'admin.support-request-resolved',
    personId: identity?.personId ?? null,
    accountIds: memberships.map((membership) => membership.account.id),
    upstreamId: record.upstreamId,
    subject: record.subject,
    detail: { supportRequestId: id, note: note ?? null },
  });
  return supportRequestView({ ...record, status: 'resolved', resolvedAt, resolvedBy: actor.id });
}
