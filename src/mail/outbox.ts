import type { Connection, Model, Types } from 'mongoose';
import type { Logger } from '../log/logger.ts';
import { ensureIndexes } from '../store/mongo.ts';
import { claimAttempt, outboxClaimModel, type ClaimOutcome, type OutboxClaimRecord } from './outbox-claims.ts';
import { outboxMessageModel, type MailData, type MailTemplate, type OutboxMessageRecord } from './outbox-model.ts';

export type { MailTemplate, OutboxMessageRecord };

export interface OutboxMessage {
  to: string;
  template: MailTemplate;
  data: MailData;
}

/** The outcome of one failed attempt, decided by the worker's retry policy. */
export interface AttemptFailure {
  lastError: string;
  /** `failed` once the attempts are used up; `pending` with the time of the next attempt otherwise. */
  status: 'pending' | 'failed';
  nextAttemptAt: Date;
}

/**
 * The e-mails to send, stored in MongoDB so that a flow's request never waits for (or fails with) the mail
 * provider: the flow enqueues, the worker delivers and retries.
 */
export class Outbox {
  readonly #messages: Model<OutboxMessageRecord>;
  readonly #claims: Model<OutboxClaimRecord>;

  constructor(connection: Connection) {
    this.#messages = outboxMessageModel(connection);
    this.#claims = outboxClaimModel(connection);
  }

  ensureIndexes(logger: Logger): Promise<void> {
    return ensureIndexes([this.#messages, this.#claims] as unknown as Model<never>[], logger);
  }

  /** One single-document insert; the worker sends it later. Never calls a transport. Returns the message id. */
  async enqueue(message: OutboxMessage): Promise<string> {
    const now = new Date();
    const created = await this.#messages.create({
      to: message.to,
      template: message.template,
      data: message.data,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      lastError: null,
      providerMessageId: null,
      createdAt: now,
      sentAt: null,
    });
    return created._id.toHexString();
  }

  async find(id: string): Promise<OutboxMessageRecord | null> {
    // Anything but 24 hex digits is no message of ours (and would make mongoose throw a CastError).
    if (!/^[0-9a-f]{24}$/i.test(id)) return null;
    return this.#messages.findById(id).lean<OutboxMessageRecord>().exec();
  }

  /** Newest first, for the dev mailbox and tests. */
  async recent(limit = 50): Promise<OutboxMessageRecord[]> {
    return this.#messages.find().sort({ createdAt: -1, _id: -1 }).limit(limit).lean<OutboxMessageRecord[]>().exec();
  }

  /** Pending messages due at `now`, in `_id` order after `afterId`, so one pass can page through all of them. */
  async due(now: Date, afterId: Types.ObjectId | null, limit: number): Promise<OutboxMessageRecord[]> {
    return this.#messages
      .find({ status: 'pending', nextAttemptAt: { $lte: now }, ...(afterId ? { _id: { $gt: afterId } } : {}) })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<OutboxMessageRecord[]>()
      .exec();
  }

  claimAttempt(message: OutboxMessageRecord, workerId: string, now: Date): Promise<ClaimOutcome> {
    return claimAttempt(this.#claims, message._id, message.attempts, workerId, now);
  }

  /** Whether the message is still pending at exactly this attempt (a claim may have been won on a stale read). */
  async isPendingAt(id: Types.ObjectId, attempt: number): Promise<boolean> {
    return (await this.#messages.exists({ _id: id, status: 'pending', attempts: attempt })) !== null;
  }

  // Both updates below run only for the holder of the attempt's claim, so the conditions are a consistency check,
  // not the concurrency control (FerretDB does not apply them atomically). Values are set, never incremented.
  async recordSent(id: Types.ObjectId, attempt: number, providerMessageId: string, sentAt: Date): Promise<boolean> {
    const result = await this.#messages.updateOne(
      { _id: id, status: 'pending', attempts: attempt },
      { $set: { status: 'sent', attempts: attempt + 1, providerMessageId, sentAt, lastError: null } },
    );
    return result.modifiedCount === 1;
  }

  async recordFailure(id: Types.ObjectId, attempt: number, failure: AttemptFailure): Promise<boolean> {
    const result = await this.#messages.updateOne(
      { _id: id, status: 'pending', attempts: attempt },
      { $set: { attempts: attempt + 1, ...failure } },
    );
    return result.modifiedCount === 1;
  }
}
