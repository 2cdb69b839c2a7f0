import { idOf } from '../../accounts/people-directory.ts';
import { recordAdminChange } from '../admin-audit.ts';
import type { AdminContext } from '../admin-context.ts';
import { AdminConflict, AdminNotFound } from '../admin-errors.ts';
import type { AdminActor } from '../admin-roles.ts';
import type { SupportRequest } from '../../support-requests/support-requests.ts';
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

/** Newest first; open ones unless asked otherwise. */
export async function listSupportRequests(context: AdminContext, status: 'open' | 'resolved' = 'open', limit = 100) {
  const records = await context.supportRequests.list(status, Math.min(Math.max(limit, 1), 500));
  return records.map(supportRequestView);
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
  await recordAdminChange(context, actor, {
    type: 'admin.support-request-resolved',
    upstreamId: record.upstreamId,
    subject: record.subject,
    detail: { supportRequestId: id, note: note ?? null },
  });
  return supportRequestView({ ...record, status: 'resolved', resolvedAt, resolvedBy: actor.id });
}
