import type { AuditEntry } from '../audit/audit-store.ts';
import type { AuditEventType } from '../audit/audit-event-types.ts';
import { idOf } from '../accounts/people-directory.ts';
import type { AdminContext } from './admin-context.ts';
import type { AuditEventView } from './representations.ts';

export interface AuditQuery {
  accountId?: string;
  /** Events of any of the person's sign-ins, and events that name the person. */
  personId?: string;
  type?: AuditEventType;
  since?: Date;
  until?: Date;
}

const MAX_LIMIT = 500;

const named = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export function auditView(e: AuditEntry): AuditEventView {
  return {
    id: e.id,
    type: e.type,
    at: e.at.toISOString(),
    actor: named(e.detail?.actor),
    accountId: e.accountId,
    personId: named(e.detail?.personId),
    upstreamId: e.upstreamId ?? null,
    subject: e.subject ?? null,
    ip: e.ip ?? null,
    reason: e.reason ?? null,
    detail: e.detail ?? {},
  };
}

/** Newest first. An id that is no id matches nothing (rather than everything). */
export async function findAudit(context: AdminContext, query: AuditQuery, limit = 100): Promise<AuditEntry[]> {
  const personId = query.personId === undefined ? undefined : idOf(query.personId);
  const signIns = personId ? await context.directory.identitiesOf(personId) : [];
  return context.audit.search(
    {
      ...(query.accountId !== undefined ? { accountId: idOf(query.accountId) } : {}),
      ...(query.personId !== undefined ? { person: { id: personId ?? null, signIns } } : {}),
      ...(query.type ? { type: query.type } : {}),
      ...(query.since ? { since: query.since } : {}),
      ...(query.until ? { until: query.until } : {}),
    },
    Math.min(Math.max(limit, 1), MAX_LIMIT),
  );
}
