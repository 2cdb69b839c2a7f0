import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * Someone who signs in: its id is the `sub` portals see (pairwise per portal where configured), the same whichever
 * account the person acts for and whichever upstream sign-in they use. People of the first model (one account,
 * its identities) keep the account's id, which was their `sub`.
 */
export interface PersonRecord {
  _id: Types.ObjectId;
  createdAt: Date;
  /** The association whose confirmation created the person (none for migrated or seeded people). */
  associationId: Types.ObjectId | null;
}

export function personModel(connection: Connection): Model<PersonRecord> {
  const existing = connection.models.Person as Model<PersonRecord> | undefined;
  if (existing) return existing;
  const schema = new Schema<PersonRecord>(
    {
      createdAt: { type: Date, required: true },
      associationId: { type: Schema.Types.ObjectId, default: null },
    },
    { collection: 'people', versionKey: false },
  );
  return connection.model<PersonRecord>('Person', schema);
}
