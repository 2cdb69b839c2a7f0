import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** A person acting for a customer account as one of its contacts. */
export interface MembershipRecord {
  _id: Types.ObjectId;
  personId: Types.ObjectId;
  accountId: Types.ObjectId;
  contactId: Types.ObjectId;
  linkedAt: Date;
  /** The association whose confirmation wrote the membership (none for migrated or seeded ones). */
  associationId: Types.ObjectId | null;
}

export function membershipModel(connection: Connection): Model<MembershipRecord> {
  const existing = connection.models.Membership as Model<MembershipRecord> | undefined;
  if (existing) return existing;
  const schema = new Schema<MembershipRecord>(
    {
      personId: { type: Schema.Types.ObjectId, required: true },
      accountId: { type: Schema.Types.ObjectId, required: true },
      contactId: { type: Schema.Types.ObjectId, required: true },
      linkedAt: { type: Date, required: true },
      associationId: { type: Schema.Types.ObjectId, default: null },
    },
    { collection: 'memberships', versionKey: false },
  );
  // One person per contact, and one membership per person and account: inserts decide races (FerretDB keeps
  // unique indexes atomic, not conditional updates).
  schema.index({ contactId: 1 }, { unique: true });
  schema.index({ personId: 1, accountId: 1 }, { unique: true });
  schema.index({ accountId: 1 });
  return connection.model<MembershipRecord>('Membership', schema);
}
