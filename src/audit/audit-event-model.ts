import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { AUDIT_EVENT_TYPES, type AuditEventType } from './audit-event-types.ts';

export { AUDIT_EVENT_TYPES, type AuditEventType };

export interface AuditEventRecord {
  _id: Types.ObjectId;
  type: AuditEventType;
  at: Date;
  upstreamId?: string;
  subject?: string;
  accountId?: Types.ObjectId | null;
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
      upstreamId: String,
      subject: String,
      accountId: { type: Schema.Types.ObjectId, default: null },
      ip: String,
      reason: String,
      detail: { type: Schema.Types.Mixed },
    },
    { collection: 'auditevents', versionKey: false },
  );
  schema.index({ at: -1 });
  schema.index({ accountId: 1, at: -1 });
  schema.index({ subject: 1, at: -1 });
  return connection.model<AuditEventRecord>('AuditEvent', schema);
}
