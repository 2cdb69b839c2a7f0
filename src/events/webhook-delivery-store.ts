import type { Connection, Model } from 'mongoose';
import type { Logger } from '../log/logger.ts';
import { claimByInsert, renewClaimOf } from '../store/attempt-claims.ts';
import { isDuplicateKeyError } from '../store/errors.ts';
import { ensureIndexes } from '../store/mongo.ts';
import { objectIdOf } from '../store/object-ids.ts';
import {
  DELIVERED_KEPT_MS,
  webhookClaimModel,
  webhookDeliveryModel,
  webhookReplayModel,
  type WebhookClaimRecord,
  type WebhookDeliveryRecord,
  type WebhookReplayRecord,
} from './webhook-delivery-model.ts';
import type {
  AttemptRecord,
  ClaimOutcome,
  DeliveryCursor,
  DeliveryTry,
  NewWebhookDelivery,
  ReplayOutcome,
  WebhookDelivery,
  WebhookDeliveryStore,
} from './webhook-deliveries.ts';
import { queuedDelivery } from './webhook-deliveries.ts';

const plain = ({ _id, purgeAt: _purgeAt, ...delivery }: WebhookDeliveryRecord): WebhookDelivery => ({
  ...delivery,
  id: _id.toHexString(),
});

/** The attempt a claim names: `<deliveryId>:<round>:<attempt>` (store/attempt-claims.ts adds takeovers). */
const attemptKey = ({ id, round, attempt }: DeliveryTry): string => `${id}:${round}:${attempt}`;

/**
 * The webhook deliveries in MongoDB (`webhookdeliveries`, `webhookclaims`, `webhookreplays`): the collections' one
 * owner. Whatever must hold when several broker processes race — one delivery per (event, endpoint), one worker
 * per try, one replay per request — rests on unique inserts, because FerretDB applies conditional updates as
 * read-modify-write (two racing writers can both "win"). The updates below run for the holder of a try's claim
 * only, so their conditions are a consistency check, not the concurrency control.
 */
export class MongoWebhookDeliveryStore implements WebhookDeliveryStore {
  readonly #deliveries: Model<WebhookDeliveryRecord>;
  readonly #claims: Model<WebhookClaimRecord>;
  readonly #replays: Model<WebhookReplayRecord>;

  constructor(connection: Connection) {
    this.#deliveries = webhookDeliveryModel(connection);
    this.#claims = webhookClaimModel(connection);
    this.#replays = webhookReplayModel(connection);
  }

  async ensureIndexes(logger: Logger): Promise<void> {
    await ensureIndexes([this.#deliveries, this.#claims, this.#replays], logger);
  }

  async add(deliveries: readonly NewWebhookDelivery[]): Promise<void> {
    // One insert per endpoint (a handful): a duplicate is then known by its own error code, which a bulk insert
    // reports less reliably across MongoDB and FerretDB.
    for (const delivery of deliveries) {
      try {
        await this.#deliveries.create(queuedDelivery(delivery));
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
    }
  }

  async due(now: Date, afterId: string | null, limit: number): Promise<WebhookDelivery[]> {
    const after = afterId === null ? null : objectIdOf(afterId);
    const found = await this.#deliveries
      .find({ status: 'pending', nextAttemptAt: { $lte: now }, ...(after ? { _id: { $gt: after } } : {}) })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<WebhookDeliveryRecord[]>()
      .exec();
    return found.map(plain);
  }

  async claimAttempt(attempt: DeliveryTry, workerId: string, now: Date, leaseMs: number): Promise<ClaimOutcome> {
    const deliveryId = objectIdOf(attempt.id);
    if (!deliveryId) return 'held';
    return claimByInsert(this.#claims, attemptKey(attempt), { deliveryId }, workerId, now, leaseMs);
  }

  async renewClaim(attempt: DeliveryTry, workerId: string, now: Date): Promise<void> {
    await renewClaimOf(this.#claims, attemptKey(attempt), workerId, now);
  }

  async isPendingAt({ id, round, attempt }: DeliveryTry): Promise<boolean> {
    const _id = objectIdOf(id);
    if (!_id) return false;
    return (await this.#deliveries.exists({ _id, status: 'pending', round, attempts: attempt })) !== null;
  }

  async recordAttempt({ id, round, attempt }: DeliveryTry, outcome: AttemptRecord): Promise<boolean> {
    const _id = objectIdOf(id);
    if (!_id) return false;
    const finished = outcome.status !== 'pending';
    const result = await this.#deliveries.updateOne(
      { _id, status: 'pending', round, attempts: attempt },
      {
        $set: {
          status: outcome.status,
          attempts: attempt + 1,
          lastStatus: outcome.lastStatus,
          lastError: outcome.lastError,
          nextAttemptAt: finished ? outcome.at : outcome.nextAttemptAt,
          finishedAt: finished ? outcome.at : null,
          purgeAt: outcome.status === 'delivered' ? new Date(outcome.at.getTime() + DELIVERED_KEPT_MS) : null,
        },
      },
    );
    return result.modifiedCount === 1;
  }

  async find(id: string): Promise<WebhookDelivery | null> {
    const _id = objectIdOf(id);
    const found = _id ? await this.#deliveries.findById(_id).lean<WebhookDeliveryRecord>().exec() : null;
    return found ? plain(found) : null;
  }

  async failed(limit: number, before?: DeliveryCursor): Promise<WebhookDelivery[]> {
    const beforeId = before ? objectIdOf(before.id) : null;
    const after =
      before && beforeId
        ? {
            $or: [
              { finishedAt: { $lt: before.finishedAt } },
              { finishedAt: before.finishedAt, _id: { $lt: beforeId } },
            ],
          }
        : {};
    const found = await this.#deliveries
      .find({ status: 'failed', ...after })
      .sort({ finishedAt: -1, _id: -1 })
      .limit(limit)
      .lean<WebhookDeliveryRecord[]>()
      .exec();
    return found.map(plain);
  }

  /**
   * The replay record of the round it starts is inserted first: of two requests replaying the same round, one
   * insert succeeds. Both then write the same new round (values set, never incremented, and the winner's name and
   * time taken from its record), so a request that died between its insert and its update is completed by the next
   * one instead of leaving the delivery stuck.
   */
  async replay(id: string, request: { actor: string; at: Date }): Promise<ReplayOutcome> {
    const _id = objectIdOf(id);
    const current = _id ? await this.#deliveries.findById(_id).lean<WebhookDeliveryRecord>().exec() : null;
    if (!_id || !current) return 'not-found';
    if (current.status === 'pending') return 'pending';
    const round = current.round + 1;
    const key = `${id}:${round}`;
    let outcome: ReplayOutcome = 'replayed';
    let winner = request;
    try {
      await this.#replays.create({ _id: key, deliveryId: _id, ...request });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      outcome = 'replayed-already';
      winner = (await this.#replays.findById(key).lean<WebhookReplayRecord>().exec()) ?? request;
    }
    await this.#deliveries
      .updateOne(
        { _id, round: current.round, status: current.status },
        {
          $set: {
            status: 'pending',
            round,
            attempts: 0,
            nextAttemptAt: winner.at,
            lastStatus: null,
            lastError: null,
            finishedAt: null,
            replayedAt: winner.at,
            replayedBy: winner.actor,
            purgeAt: null,
          },
        },
      )
      .exec();
    return outcome;
  }
}
