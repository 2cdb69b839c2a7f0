import type { AuditEntry, AuditSearch } from '../audit/audit-store.ts';
import type { AuditEventType } from '../audit/audit-event-types.ts';
import { idOf } from '../accounts/people-directory.ts';
import type { AdminContext } from './admin-context.ts';
import type { ListCursor } from './list-page.ts';
import { readPage } from './list-page.ts';
import type { AuditEventView } from './representations.ts';

export interface AuditQuery {
  accountId?: string;
  /** Events of any of the person's sign-ins, and events that name the person. */
  personId?: string;
  /** An admin client id, `staff:<...>`, or a person's id for what they did themselves. */
  actor?: string;
  /** Any of these types. */
  types?: readonly AuditEventType[];
  /** From this instant (included). */
  from?: Date;
  /** Before this instant (excluded). */
  to?: Date;
}

const MAX_LIMIT = 500;

export function auditView(e: AuditEntry): AuditEventView {
  return {
    id: e.id,
    type: e.type,
    at: e.at.toISOString(),
    actor: e.actor,
    accountId: e.accountId,
    personId: e.personId,
    upstreamId: e.upstreamId ?? null,
    subject: e.subject ?? null,
    ip: e.ip ?? null,
    reason: e.reason ?? null,
    detail: e.detail ?? {},
  };
}

/** The store's criteria for support's query. An id that is no id matches nothing (rather than everything). */
async function criteriaOf(context: AdminContext, query: AuditQuery): Promise<AuditSearch> {
  const personId = query.personId === undefined ? undefined : idOf(query.personId);
  const signIns = personId ? await context.directory.identitiesOf(personId) : [];
  return {
    ...(query.accountId !== undefined ? { accountId: idOf(query.accountId) } : {}),
    ...(query.personId !== undefined ? { person: { id: personId ?? null, signIns } } : {}),
    ...(query.actor !== undefined ? { actor: query.actor } : {}),
    ...(query.types ? { types: query.types } : {}),
    ...(query.from ? { from: query.from } : {}),
    ...(query.to ? { to: query.to } : {}),
  };
}

const bounded = (limit: number) => Math.min(Math.max(limit, 1), MAX_LIMIT);

/** Newest first: the first `limit` entries. */
export async function findAudit(context: AdminContext, query: AuditQuery, limit = 100): Promise<AuditEntry[]> {
  return context.audit.search(await criteriaOf(context, query), { limit: bounded(limit) });
}

/** A page of the trail, newest first, after the page `cursor` ended (400 for a cursor this API did not hand out). */
export async function auditPage(
  context: AdminContext,
  query: AuditQuery,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ events: AuditEventView[]; next: string | null }> {
  const criteria = await criteriaOf(context, query);
  const { items, next } = await readPage(
    { limit: bounded(page.limit), cursor: page.cursor },
    (limit, after?: ListCursor) => context.audit.search(criteria, { limit, ...(after ? { after } : {}) }),
    (entry) => entry,
  );
  return { events: items.map(auditView), next };
}
