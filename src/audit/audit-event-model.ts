import { Schema, type Connection, type Model, type Types } from 'mongoose';

export const AUDIT_EVENT_TYPES = [
  'association.requested',
  'association.confirmed',
  'association.refused',
  'association.cancelled',
  'association.superseded',
  // "This wasn't me" on the notice after a confirmation: the association undone, its sessions ended.
  'association.disowned',
  'mail.sent',
  'mail.failed',
  // An association e-mail not sent because its link expired before delivery was possible.
  'mail.expired',
  // Changes made through the admin API; `detail.actor` names the client (src/admin).
  'admin.account-created',
  'admin.account-changed',
  'admin.contact-added',
  'admin.contact-changed',
  'admin.association-resent',
  'admin.association-cancelled',
  'admin.membership-removed',
  'admin.identity-removed',
  'admin.identity-linked',
  'admin.mail-retried',
  'admin.support-request-resolved',
  // A person asked support from the association page (src/admin/support-requests).
  'support.requested',
  // Sign-ins to the support console: who got in, and sign-ins at the console upstream that are not staff.
  'admin.console-signed-in',
  'admin.console-refused',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

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
