import { auditEventModel, type AuditEventRecord, type AuditEventType } from '../audit/audit-event-model.ts';
import { identityModel, type IdentityRecord } from '../accounts/identity-model.ts';
import { objectIdOf } from '../accounts/people-directory.ts';
import type { AdminContext } from './admin-context.ts';

export interface AuditQuery {
  accountId?: string;
  /** Events of any of the person's sign-ins, and events that name the person. */
  personId?: string;
  type?: AuditEventType;
  since?: Date;
  until?: Date;
}

const MAX_LIMIT = 500;

export function auditView(e: AuditEventRecord) {
  return {
    id: e._id.toHexString(),
    type: e.type,
    at: e.at.toISOString(),
    accountId: e.accountId?.toHexString() ?? null,
    upstreamId: e.upstreamId ?? null,
    subject: e.subject ?? null,
    ip: e.ip ?? null,
    reason: e.reason ?? null,
    detail: e.detail ?? {},
  };
}

/** Newest first. An id that is no id matches nothing (rather than everything). */
export async function findAudit(context: AdminContext, query: AuditQuery, limit = 100): Promise<AuditEventRecord[]> {
  const filter: Record<string, unknown> = {};
  if (query.accountId !== undefined) filter.accountId = objectIdOf(query.accountId) ?? 'none';
  if (query.type) filter.type = query.type;
  if (query.since || query.until)
    filter.at = { ...(query.since ? { $gte: query.since } : {}), ...(query.until ? { $lt: query.until } : {}) };
  if (query.personId !== undefined) {
    const personId = objectIdOf(query.personId);
    const identities = personId
      ? await identityModel(context.db).find({ personId }).lean<IdentityRecord[]>().exec()
      : [];
    filter.$or = [
      ...identities.map((i) => ({ upstreamId: i.upstreamId, subject: i.subject })),
      { 'detail.personId': personId?.toHexString() ?? 'none' },
    ];
  }
  return auditEventModel(context.db)
    .find(filter)
    .sort({ at: -1, _id: -1 })
    .limit(Math.min(Math.max(limit, 1), MAX_LIMIT))
    .lean<AuditEventRecord[]>()
    .exec();
}
