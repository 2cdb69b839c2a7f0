import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { isDuplicateKeyError } from '../store/errors.ts';
import { CLAIM_LEASE_MS, type ClaimOutcome } from './outbox-store.ts';

/**
 * Who took which delivery attempt. The `_id` is the claim itself: `<messageId>:<attempt>` for a normal attempt and
 * `<messageId>:<attempt>:takeover-<n>` for taking over an attempt whose worker vanished.
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

function claimId(messageId: Types.ObjectId, attempt: number, generation: number): string {
  const base = `${messageId.toHexString()}:${attempt}`;
  return generation === 0 ? base : `${base}:takeover-${generation}`;
}

/**
 * Claims delivery attempt `attempt` of a message for one worker. The unique `_id` decides: of any number of workers
 * inserting the same claim, exactly one insert succeeds, on MongoDB and on FerretDB alike (where a conditional
 * update would not be atomic).
 *
 * A worker that dies between its claim and recording the outcome leaves the message pending at the same attempt,
 * and that claim blocks everyone. Once the claim is older than the lease, it may be taken over by inserting the
 * next generation (`:takeover-1`, `-2`, …), which again has exactly one winner, and is only tried once the
 * generation before it is stale too. The winner does not send under the old attempt: it records that attempt as
 * failed, which moves the message to the next attempt number (claimed afresh, at once) and counts against
 * maxAttempts, so a message that kills its worker every time ends as `failed` instead of looping.
 */
export async function claimAttempt(
  claims: Model<OutboxClaimRecord>,
  messageId: Types.ObjectId,
  attempt: number,
  workerId: string,
  now: Date,
  leaseMs = CLAIM_LEASE_MS,
): Promise<ClaimOutcome> {
  for (let generation = 0; ; generation += 1) {
    try {
      await claims.create({
        _id: claimId(messageId, attempt, generation),
        messageId,
        attempt,
        workerId,
        claimedAt: now,
      });
      return generation === 0 ? 'claimed' : 'abandoned';
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const holder = await claims
      .findById(claimId(messageId, attempt, generation))
      .lean<OutboxClaimRecord>()
      .exec();
    if (!holder || now.getTime() - holder.claimedAt.getTime() < leaseMs) return 'held';
  }
}

/**
 * Moves a claim's time forward; only its holder does this (the `workerId` condition), so FerretDB's
 * read-modify-write updates cannot race with anyone: a taker never updates a claim, it inserts the next generation.
 */
export async function renewClaim(
  claims: Model<OutboxClaimRecord>,
  messageId: Types.ObjectId,
  attempt: number,
  workerId: string,
  now: Date,
): Promise<void> {
  await claims.updateOne({ _id: claimId(messageId, attempt, 0), workerId }, { $set: { claimedAt: now } }).exec();
}
