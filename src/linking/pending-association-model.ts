import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** The states an association is stored in; `expired` is derived (association-flow.ts). */
import { ASSOCIATION_STATUSES, type AssociationStatus } from './pending-association.ts';

export type { AssociationStatus };

/**
 * One request to associate an upstream identity with the customer account registered under an entered address:
 * the persisted state of the association flow (association-flow.ts owns its states and transitions).
 */
export interface PendingAssociationRecord {
  _id: Types.ObjectId;
  issuer: string;
  subject: string;
  upstreamId: string;
  /** How the sign-in called itself upstream (its e-mail or name), shown in the e-mail. */
  signInName: string;
  /** Normalised; kept for support investigations, never logged or audited in full for unknown addresses. */
  enteredEmail: string;
  /**
   * The contacts the entered address is registered as (on one account or several); empty when it matched none:
   * nothing is sent, but the reply looked the same.
   */
  contactIds: Types.ObjectId[];
  tokenHash: string;
  status: AssociationStatus;
  createdAt: Date;
  expiresAt: Date;
  confirmedAt: Date | null;
  clientId: string | null;
  /** The oidc-provider interaction that was interrupted, to resume it after confirmation in the same browser. */
  interactionUid: string | null;
  attempts: number;
}

// Housekeeping only (FerretDB refuses TTL indexes): expired records are kept a week so their links still
// explain themselves ("this link has expired") instead of looking unknown.
const KEEP_AFTER_EXPIRY_S = 7 * 24 * 3600;

export function pendingAssociationModel(connection: Connection): Model<PendingAssociationRecord> {
  const existing = connection.models.PendingAssociation as Model<PendingAssociationRecord> | undefined;
  if (existing) return existing;
  const schema = new Schema<PendingAssociationRecord>(
    {
      issuer: { type: String, required: true },
      subject: { type: String, required: true },
      upstreamId: { type: String, required: true },
      signInName: { type: String, default: '' },
      enteredEmail: { type: String, required: true },
      contactIds: { type: [Schema.Types.ObjectId], default: [] },
      tokenHash: { type: String, required: true },
      status: { type: String, enum: ASSOCIATION_STATUSES, required: true },
      createdAt: { type: Date, required: true },
      expiresAt: { type: Date, required: true },
      confirmedAt: { type: Date, default: null },
      clientId: { type: String, default: null },
      interactionUid: { type: String, default: null },
      attempts: { type: Number, default: 0 },
    },
    { collection: 'pendingassociations', versionKey: false },
  );
  schema.index({ tokenHash: 1 }, { unique: true });
  schema.index({ issuer: 1, subject: 1, createdAt: -1 });
  schema.index({ expiresAt: 1 }, { expireAfterSeconds: KEEP_AFTER_EXPIRY_S });
  return connection.model<PendingAssociationRecord>('PendingAssociation', schema);
}
