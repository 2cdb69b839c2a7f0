import type { AuditEventType } from '../audit/audit-event-types.ts';
import type { AdminContext } from './admin-context.ts';
import type { AdminActor } from './admin-roles.ts';

export interface AdminChange {
  type: AuditEventType;
  accountId?: string | null;
  /** A change that touched several accounts: one entry for each, so that every account's trail shows it. */
  accountIds?: readonly string[];
  /** The person the change touched (their trail shows it). */
  personId?: string | null;
  upstreamId?: string;
  subject?: string;
  detail?: Record<string, string | number | boolean | null>;
}

/**
 * Every change made through the admin API or the console, with who made it (the client id or `staff:<...>`, and
 * its role) and from where. The actor is a field of the entry; `detail.actor` and `detail.role` stay as they were
 * written before, for readers of older entries and exports.
 */
export async function recordAdminChange(context: AdminContext, actor: AdminActor, change: AdminChange): Promise<void> {
  const accounts = change.accountIds?.length ? [...new Set(change.accountIds)] : [change.accountId ?? null];
  for (const accountId of accounts) await recordOne(context, actor, { ...change, accountId });
}

async function recordOne(context: AdminContext, actor: AdminActor, change: AdminChange): Promise<void> {
  await context.audit.record({
    type: change.type,
    actor: actor.id,
    accountId: change.accountId ?? null,
    ...(change.personId ? { personId: change.personId } : {}),
    ...(change.upstreamId ? { upstreamId: change.upstreamId } : {}),
    ...(change.subject ? { subject: change.subject } : {}),
    ip: actor.ip,
    detail: { ...change.detail, actor: actor.id, role: actor.role },
  });
}
