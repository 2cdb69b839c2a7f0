import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * A person stuck on the association page asking support for help, with the sign-in that asked attached, so
 * support can find the pending association and the account without asking "which account do you sign in with?".
 */
export interface SupportRequestRecord {
  _id: Types.ObjectId;
  createdAt: Date;
  status: 'open' | 'resolved';
  upstreamId: string;
  issuer: string;
  subject: string;
  /** The sign-in's address, masked (or its bounded display name): enough to recognise, not to learn one. */
  signInName: string;
  /** Where the person wants to be answered, as they typed it (support must be able to write back). */
  replyTo: string;
  customer: string;
  message: string;
  clientId: string | null;
  locale: string;
  resolvedAt: Date | null;
  /** The admin client that resolved it. */
  resolvedBy: string | null;
}

export function supportRequestModel(connection: Connection): Model<SupportRequestRecord> {
  const existing = connection.models.SupportRequest as Model<SupportRequestRecord> | undefined;
  if (existing) return existing;
  const schema = new Schema<SupportRequestRecord>(
    {
      createdAt: { type: Date, required: true },
      status: { type: String, enum: ['open', 'resolved'], required: true },
      upstreamId: { type: String, required: true },
      issuer: { type: String, required: true },
      subject: { type: String, required: true },
      signInName: { type: String, default: '' },
      replyTo: { type: String, default: '' },
      customer: { type: String, default: '' },
      message: { type: String, default: '' },
      clientId: { type: String, default: null },
      locale: { type: String, default: 'en' },
      resolvedAt: { type: Date, default: null },
      resolvedBy: { type: String, default: null },
    },
    { collection: 'supportrequests', versionKey: false },
  );
  // Lists sort by (createdAt, _id) descending and page after the last (createdAt, _id) shown: every index ends with
  // both. The text criterion has no index (FerretDB has no text index): it scans what the others leave.
  schema.index({ status: 1, createdAt: -1, _id: -1 });
  schema.index({ createdAt: -1, _id: -1 });
  schema.index({ issuer: 1, subject: 1, createdAt: -1, _id: -1 });
  return connection.model<SupportRequestRecord>('SupportRequest', schema);
}
