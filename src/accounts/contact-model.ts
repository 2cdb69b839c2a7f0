import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { normalizeEmail } from './email.ts';

/**
 * A registered address on a customer account: proving control of it (the e-mailed link) makes a person a member
 * of the account as this contact. One address may be registered on several accounts.
 */
export interface ContactRecord {
  _id: Types.ObjectId;
  accountId: Types.ObjectId;
  /** Always stored normalised (see normalizeEmail). */
  email: string;
  name: string | null;
  status: 'active' | 'disabled';
  createdAt: Date;
  updatedAt: Date;
}

export function contactModel(connection: Connection): Model<ContactRecord> {
  const existing = connection.models.Contact as Model<ContactRecord> | undefined;
  if (existing) return existing;
  const schema = new Schema<ContactRecord>(
    {
      accountId: { type: Schema.Types.ObjectId, required: true },
      email: { type: String, required: true, set: normalizeEmail },
      name: { type: String, default: null },
      status: { type: String, enum: ['active', 'disabled'], required: true, default: 'active' },
    },
    { collection: 'contacts', timestamps: true },
  );
  schema.index({ accountId: 1, email: 1 }, { unique: true });
  schema.index({ email: 1 });
  return connection.model<ContactRecord>('Contact', schema);
}
