import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * Who took which delivery attempt. The `_id` is the claim itself: `<messageId>:<attempt>` for a normal attempt and
 * `<messageId>:<attempt>:takeover-<n>` for taking over an attempt whose worker vanished (store/attempt-claims.ts).
 */
export interface OutboxClaimRecord {
  _id: string;
  messageId: Types.ObjectId;
  attempt: number;
  workerId: string;
  claimedAt: Date;
}

const MODEL_NAME = 'OutboxClaim';

function claimSchema(): Schema<OutboxClaimRecord> {
  return new Schema<OutboxClaimRecord>(
    {
      _id: { type: String, required: true },
      messageId: { type: Schema.Types.ObjectId, required: true },
      attempt: { type: Number, required: true },
      workerId: { type: String, required: true },
      claimedAt: { type: Date, required: true },
    },
    // Claims stay as long as the outbox itself: they record which process sent which attempt.
    { collection: 'outboxclaims', versionKey: false },
  );
}

export function outboxClaimModel(connection: Connection): Model<OutboxClaimRecord> {
  const existing = connection.models[MODEL_NAME] as Model<OutboxClaimRecord> | undefined;
  return existing ?? connection.model<OutboxClaimRecord>(MODEL_NAME, claimSchema());
}
