import { objectIdOf } from '../../accounts/people-directory.ts';
import { recordAdminChange } from '../admin-audit.ts';
import type { AdminContext } from '../admin-context.ts';
import { AdminConflict, AdminNotFound } from '../admin-errors.ts';
import type { AdminActor } from '../admin-roles.ts';
import { supportRequestModel, type SupportRequestRecord } from '../../support-requests/support-request-model.ts';

export function supportRequestView(r: SupportRequestRecord) {
  return {
    id: r._id.toHexString(),
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
  const records = await supportRequestModel(context.db)
    .find({ status })
    .sort({ createdAt: -1, _id: -1 })
    .limit(Math.min(Math.max(limit, 1), 500))
    .lean<SupportRequestRecord[]>()
    .exec();
  return records.map(supportRequestView);
}

/** Marks a request answered, with who did it (the audit keeps the note). */
export async function resolveSupportRequest(
  context: AdminContext,
  actor: AdminActor,
  id: string,
  note: string | undefined,
) {
  const requestId = objectIdOf(id);
  const record = requestId
    ? await supportRequestModel(context.db).findById(requestId).lean<SupportRequestRecord>().exec()
    : null;
  if (!record || !requestId) throw new AdminNotFound('support request');
  if (record.status !== 'open') throw new AdminConflict('the support request is resolved already');
  const resolvedAt = context.now();
  await supportRequestModel(context.db)
    .updateOne({ _id: requestId, status: 'open' }, { $set: { status: 'resolved', resolvedAt, resolvedBy: actor.id } })
    .exec();
  await recordAdminChange(context, actor, {
    type: 'admin.support-request-resolved',
    upstreamId: record.upstreamId,
    subject: record.subject,
    detail: { supportRequestId: id, note: note ?? null },
  });
  return supportRequestView({ ...record, status: 'resolved', resolvedAt, resolvedBy: actor.id });
}
