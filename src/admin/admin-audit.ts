import type { AuditEventType } from '../audit/audit-event-types.ts';
import type { AdminContext } from './admin-context.ts';
import type { AdminActor } from './admin-roles.ts';

export interface AdminChange {
  type: AuditEventType;
  accountId?: string | null;
  upstreamId?: string;
  subject?: string;
  detail?: Record<string, string | number | boolean | null>;
}

/** Every change made through the admin API, with who made it (the client id and its role) and from where. */
export async function recordAdminChange(context: AdminContext, actor: AdminActor, change: AdminChange): Promise<void> {
  await context.audit.record({
    type: change.type,
    accountId: change.accountId ?? null,
    ...(change.upstreamId ? { upstreamId: change.upstreamId } : {}),
    ...(change.subject ? { subject: change.subject } : {}),
    ip: actor.ip,
    detail: { ...change.detail, actor: actor.id, role: actor.role },
  });
}
