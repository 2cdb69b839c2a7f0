import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** An upstream identity of a person: whoever signs in as (issuer, subject) is that person. */
export interface IdentityRecord {
  _id: Types.ObjectId;
  personId: Types.ObjectId;
  /** The first model linked identities to an account directly; kept for the migration only. */
  accountId?: Types.ObjectId | null;
  /** The configured upstream (`upstreams[].id`) the identity signed in through. */
  upstreamId: string;
  issuer: string;
  subject: string;
  linkedAt: Date;
  lastLoginAt: Date | null;
  /** How e-mails name this sign-in (its masked address, or the provider's bounded display name). */
  signInName?: string | null;
  /** The association whose confirmation wrote this link (none for links imported or seeded). */
  associationId?: Types.ObjectId | null;
  /**
   * The latest upstream authentication the broker saw proven (an ID token's auth_time, or a login forced with
   * prompt=login): what the broker's `auth_time` says when a later upstream sign-in proves none.
   */
  authenticatedAt?: Date | null;
  /** The address the upstream reported at the last recorded sign-in (normalised), for support's search. */
  email?: string | null;
  /** The portal (client id) that asked for the last recorded sign-in. */
  lastClientId?: string | null;
}

const MODEL_NAME = 'Identity';

function identitySchema(): Schema<IdentityRecord> {
  const schema = new Schema<IdentityRecord>(
    {
      personId: { type: Schema.Types.ObjectId, required: true },
      accountId: { type: Schema.Types.ObjectId },
      upstreamId: { type: String, required: true },
      issuer: { type: String, required: true },
      subject: { type: String, required: true },
      linkedAt: { type: Date, required: true },
      associationId: { type: Schema.Types.ObjectId, default: null },
      signInName: { type: String, default: null },
      lastLoginAt: { type: Date, default: null },
      authenticatedAt: { type: Date, default: null },
      email: { type: String, default: null },
      lastClientId: { type: String, default: null },
    },
    { collection: 'identities' },
  );
  // An upstream identity signs in as exactly one account. The index, not a prior lookup, is what holds under
  // concurrent confirmations: FerretDB applies conditional updates as read-modify-write.
  schema.index({ issuer: 1, subject: 1 }, { unique: true });
  schema.index({ personId: 1 });
  // Support's search by the address a stuck customer quotes.
  schema.index({ email: 1 });
  return schema;
}

export function identityModel(connection: Connection): Model<IdentityRecord> {
  const existing = connection.models[MODEL_NAME] as Model<IdentityRecord> | undefined;
  return existing ?? connection.model<IdentityRecord>(MODEL_NAME, identitySchema());
}
