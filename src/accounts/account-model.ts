import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { normalizeEmail } from './email.ts';

import type { Plan } from './people.ts';

export type { Plan };

export interface AccountRecord {
  _id: Types.ObjectId;
  customerNumber: string;
  name: string;
  /**
   * The first model's one registered address; contacts (contact-model.ts) hold the addresses now, and the
   * migration turns this one into the account's first contact.
   */
  email?: string | null;
  plans: Plan[];
  status: 'active' | 'disabled';
  createdAt: Date;
  updatedAt: Date;
}

const MODEL_NAME = 'Account';

// `type` is mongoose's own keyword in a schema definition, so the plan's field is declared as `type: { type: String }`.
const planSchema = new Schema<Plan>(
  { type: { type: String, required: true }, expiresAt: { type: Date, required: true } },
  { _id: false },
);

function accountSchema(): Schema<AccountRecord> {
  const schema = new Schema<AccountRecord>(
    {
      customerNumber: { type: String, required: true },
      name: { type: String, required: true },
      // The setter normalises on every write path, including code that bypasses AccountStore.
      email: { type: String, set: (value: string | null) => (value ? normalizeEmail(value) : null) },
      plans: { type: [planSchema], default: [] },
      status: { type: String, enum: ['active', 'disabled'], required: true, default: 'active' },
    },
    { collection: 'accounts', timestamps: true },
  );
  // The import upserts by customer number; on FerretDB only a unique index keeps two racing imports from
  // creating the same account twice.
  schema.index({ customerNumber: 1 }, { unique: true });
  // Not unique: the customer database may register one address for several accounts.
  schema.index({ email: 1 });
  return schema;
}

export function accountModel(connection: Connection): Model<AccountRecord> {
  const existing = connection.models[MODEL_NAME] as Model<AccountRecord> | undefined;
  return existing ?? connection.model<AccountRecord>(MODEL_NAME, accountSchema());
}
