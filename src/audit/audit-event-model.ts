import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { AUDIT_EVENT_TYPES, type AuditEventType } from './audit-event-types.ts';

export { AUDIT_EVENT_TYPES, type AuditEventType };

export interface AuditEventRecord {
  _id: Types.ObjectId;
  type: AuditEventType;
  at: Date;
  /** Absent in events stored before it was a field (their actor, if any, is `detail.actor`). */
  actor?: string | null;
  upstreamId?: string;
  subject?: string;
  accountId?: Types.ObjectId | null;
  /** A string id (not an ObjectId): what `detail.personId` always held. Absent in older events. */
  personId?: string | null;
  ip?: string;
  /** Machine-readable reason or outcome (`identity-mismatch`, `expired`); never a token or a full unknown address. */
  reason?: string;
  /** Extra non-secret facts (client id, outbox message id, masked address). */
  detail?: Record<string, string | number | boolean | null>;
}

export function auditEventModel(connection: Connection): Model<AuditEventRecord> {
  const existing = connection.models.AuditEvent as Model<AuditEventRecord> | undefined;
  if (existing) return existing;
  const schema = new Schema<AuditEventRecord>(
    {
      type: { type: String, enum: AUDIT_EVENT_TYPES, required: true },
      at: { type: Date, required: true },
      actor: { type: String, default: null },
      upstreamId: String,
      subject: String,
      accountId: { type: Schema.Types.ObjectId, default: null },
      personId: { type: String, default: null },
      ip: String,
      reason: String,
      detail: { type: Schema.Types.Mixed },
    },
    { collection: 'auditevents', versionKey: false },
  );
  // Every search sorts by (at, _id) descending and pages after the last (at, _id) it showed: each index ends with
  // both, so a filtered page is read in index order without sorting. The `detail.*` ones serve the entries stored
  // before `actor` and `personId` were fields (searches match either).
  schema.index({ at: -1, _id: -1 });
  schema.index({ accountId: 1, at: -1, _id: -1 });
  schema.index({ subject: 1, at: -1 });
  schema.index({ type: 1, at: -1, _id: -1 });
  schema.index({ actor: 1, at: -1, _id: -1 });
  schema.index({ 'detail.actor': 1, at: -1, _id: -1 });
  schema.index({ personId: 1, at: -1, _id: -1 });
  schema.index({ 'detail.personId': 1, at: -1, _id: -1 });
  return connection.model<AuditEventRecord>('AuditEvent', schema);
}
