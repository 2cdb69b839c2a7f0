import type { Model } from 'mongoose';
import { isDuplicateKeyError } from './errors.ts';

/**
 * `claimed`: make this attempt. `abandoned`: the attempt's first claimant vanished (its claim is older than the
 * lease) and this worker took it over; it records the attempt as failed without making it (it may or may not have
 * gone out). `held`: leave it alone.
 */
export type ClaimOutcome = 'claimed' | 'abandoned' | 'held';

/** A claim record: its `_id` is the claim itself, so the unique index decides who holds it. */
interface ClaimRecord {
  _id: string;
  workerId: string;
  claimedAt: Date;
}

/** `<attempt>` for the first claim, `<attempt>:takeover-<n>` for taking over one whose worker vanished. */
export function claimIdOf(attemptKey: string, generation: number): string {
  return generation === 0 ? attemptKey : `${attemptKey}:takeover-${generation}`;
}

/**
 * Claims one delivery attempt (`attemptKey` names it) for one worker, for the outbox and the webhook deliveries
 * alike. The unique `_id` decides: of any number of workers inserting the same claim, exactly one insert succeeds,
 * on MongoDB and on FerretDB (where a conditional update would not be atomic).
 *
 * A worker that dies between its claim and recording the outcome leaves the attempt claimed, blocking everyone.
 * Once that claim is older than the lease, the next generation (`:takeover-1`, `-2`, …) may be inserted, again with
 * exactly one winner, and only once the generation before it is stale too. `fields` are the record's own columns.
 */
export async function claimByInsert<R extends ClaimRecord>(
  claims: Model<R>,
  attemptKey: string,
  fields: Omit<R, '_id' | 'workerId' | 'claimedAt'>,
  workerId: string,
  now: Date,
  leaseMs: number,
): Promise<ClaimOutcome> {
  for (let generation = 0; ; generation += 1) {
    const _id = claimIdOf(attemptKey, generation);
    try {
      const claim = { ...fields, _id, workerId, claimedAt: now };
      // mongoose's create() types its argument through casting helpers a generic record cannot be shown to meet.
      await claims.create(claim as Parameters<typeof claims.create>[0]);
      return generation === 0 ? 'claimed' : 'abandoned';
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const holder = await claims.findById(_id).lean<ClaimRecord>().exec();
    if (!holder || now.getTime() - holder.claimedAt.getTime() < leaseMs) return 'held';
  }
}

/**
 * Moves a claim's time forward while its attempt is in flight. Only the holder does this (the `workerId`
 * condition), so FerretDB's read-modify-write updates race with no one: a taker never updates a claim, it inserts
 * the next generation.
 */
export async function renewClaimOf<R extends ClaimRecord>(
  claims: Model<R>,
  attemptKey: string,
  workerId: string,
  now: Date,
): Promise<void> {
  await claims.updateOne({ _id: claimIdOf(attemptKey, 0), workerId }, { $set: { claimedAt: now } }).exec();
}
