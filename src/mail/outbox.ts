import { Types, type Connection, type Model } from 'mongoose';
import { objectIdOf } from '../store/object-ids.ts';
import type { Logger } from '../log/logger.ts';
import { ensureIndexes } from '../store/mongo.ts';
import { claimByInsert, renewClaimOf } from '../store/attempt-claims.ts';
import { outboxClaimModel, type OutboxClaimRecord } from './outbox-claims.ts';
import { outboxMessageModel, type OutboxMessageRecord } from './outbox-model.ts';
import { OutboxSecrets } from './outbox-secrets.ts';
import type {
  AttemptFailure,
  ClaimOutcome,
  ListPosition,
  MailMessage,
  OutboxMessage,
  OutboxStore,
} from './outbox-store.ts';
import { queuedMessage } from './outbox-store.ts';
import { mailRetryModel, type MailRetryRecord } from './mail-retries.ts';
import { isDuplicateKeyError } from '../store/errors.ts';

export interface OutboxOptions {
  /** The configuration's cookie keys: sealed values are encrypted under keys derived from them. */
  sealingKeys: readonly string[];
  /** The clock that dates a queued message (tests set it). */
  now?: () => Date;
}

/** What a message keeps once it is no longer pending: no sealed values, and no link a legacy message held in clear. */
const ERASE_SECRETS = { $set: { sealed: null }, $unset: { 'data.link': '' } };

const plainMessage = ({ _id, retry, ...message }: OutboxMessageRecord): MailMessage => ({
  ...message,
  id: _id.toHexString(),
  // Messages stored before retries were marked on them have no `retry` at all.
  retry: retry ?? null,
});

/** How many failed messages one look for unfinished retries reads at a time. */
const RETRY_SWEEP_BATCH = 500;

/**
 * The e-mails to send, stored in MongoDB so that a flow's request never waits for (or fails with) the mail
 * provider: the flow enqueues, the worker delivers and retries. Ids are ObjectIds inside, hex strings outside; an id
 * that is no ObjectId finds and moves nothing.
 */
export class Outbox implements OutboxStore {
  readonly #messages: Model<OutboxMessageRecord>;
  readonly #claims: Model<OutboxClaimRecord>;
  readonly #secrets: OutboxSecrets;
  readonly #retries: Model<MailRetryRecord>;
  readonly #now: () => Date;

  constructor(connection: Connection, options: OutboxOptions) {
    this.#messages = outboxMessageModel(connection);
    this.#claims = outboxClaimModel(connection);
    this.#retries = mailRetryModel(connection);
    this.#secrets = new OutboxSecrets(options.sealingKeys);
    this.#now = options.now ?? (() => new Date());
  }

  async ensureIndexes(logger: Logger): Promise<void> {
    await ensureIndexes([this.#messages, this.#claims, this.#retries], logger);
    // Messages written before links were sealed kept theirs in clear after sending: erase them once.
    const scrubbed = await this.#messages.updateMany(
      { status: { $ne: 'pending' }, 'data.link': { $exists: true } },
      ERASE_SECRETS,
    );
    if (scrubbed.modifiedCount > 0)
      logger.info({ messages: scrubbed.modifiedCount }, 'erased links of delivered e-mails');
    await this.#finishRetries(logger);
  }

  async failures(limit: number, after?: ListPosition): Promise<MailMessage[]> {
    const afterId = after ? objectIdOf(after.id) : null;
    // A position that names no message pages nowhere rather than starting over from the newest.
    if (after && !afterId) return [];
    // Strictly after the position in (createdAt desc, _id desc): equal times are told apart by the id, so a page
    // boundary among messages of the same instant neither repeats nor skips one.
    const position =
      after && afterId
        ? { $or: [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, _id: { $lt: afterId } }] }
        : {};
    return this.#newest({ status: { $in: ['failed', 'expired'] }, ...position }, limit);
  }

  /**
   * The retry record's unique id lets exactly one retry through (see mail-retries.ts); it names the new message
   * before anything is queued, so a retry that stops half-way is finished by the next one to find the record: a
   * second retry now, or the sweep at start-up.
   */
  async retry(message: MailMessage, { actor, at }: { actor: string; at: Date }): Promise<string | 'retried-already'> {
    const newMessageId = new Types.ObjectId().toHexString();
    const planned: MailRetryRecord = { _id: message.id, at, actor, newMessageId };
    try {
      await this.#retries.create(planned);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const earlier = await this.#retries.findById(message.id).lean<MailRetryRecord>().exec();
      if (earlier?.newMessageId) await this.#finishRetry(earlier);
      return 'retried-already';
    }
    await this.#finishRetry(planned);
    return newMessageId;
  }

  /**
   * Carries out a retry whose record is written: queues the same e-mail under the id the record chose, then marks
   * the failed message `retried`. Both steps may run twice, also at once (two finishers): the insert of the same id
   * succeeds once, and the mark sets the same values from `failed` only.
   */
  async #finishRetry({ _id, at, actor, newMessageId }: MailRetryRecord): Promise<void> {
    const oldId = objectIdOf(_id);
    const newId = newMessageId === null ? null : objectIdOf(newMessageId);
    const old = oldId ? await this.#messages.findById(oldId).lean<OutboxMessageRecord>().exec() : null;
    if (!old || !newId) return;
    try {
      await this.#insert(newId, { to: old.to, template: old.template, data: old.data });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    await this.#messages
      .updateOne(
        { _id: old._id, status: 'failed' },
        { $set: { status: 'retried', retry: { messageId: newId.toHexString(), at, by: actor } } },
      )
      .exec();
  }

  /**
   * Finishes every retry whose record is written but whose message still reads `failed`: one stopped half-way, or
   * one made before retries were marked on the message (a database of an earlier version, brought up to date
   * without a manual step). Reads only failed messages, the few that support still sees, and their records.
   *
   * A record of an earlier version without the new message's id (it stopped before setting it) cannot be finished:
   * whether the e-mail was queued again is unknown. It is removed, so support sees the message failed and may retry
   * it, rather than a message that can be neither retried nor followed.
   */
  async #finishRetries(logger: Logger): Promise<void> {
    let finished = 0;
    for (let after: Types.ObjectId | null = null; ;) {
      const failed = await this.#messages
        .find({ status: 'failed', ...(after ? { _id: { $gt: after } } : {}) }, { _id: 1 })
        .sort({ _id: 1 })
        .limit(RETRY_SWEEP_BATCH)
        .lean<Array<Pick<OutboxMessageRecord, '_id'>>>()
        .exec();
      const last = failed.at(-1);
      if (!last) break;
      after = last._id;
      const records = await this.#retries
        .find({ _id: { $in: failed.map((m) => m._id.toHexString()) } })
        .lean<MailRetryRecord[]>()
        .exec();
      for (const record of records) {
        if (record.newMessageId) {
          await this.#finishRetry(record);
          finished += 1;
          continue;
        }
        await this.#retries.deleteOne({ _id: record._id, newMessageId: null }).exec();
        logger.warn({ messageId: record._id }, 'a retry of this e-mail stopped before it was recorded; retry it again');
      }
    }
    if (finished > 0) logger.info({ messages: finished }, 'marked retried e-mails as retried');
  }

  /** One single-document insert. */
  async enqueue(message: OutboxMessage): Promise<string> {
    const _id = new Types.ObjectId();
    await this.#insert(_id, message);
    return _id.toHexString();
  }

  async #insert(_id: Types.ObjectId, message: OutboxMessage): Promise<void> {
    const sealed = this.#secrets.seal(_id.toHexString(), message);
    const now = this.#now();
    await this.#messages.create({ _id, ...queuedMessage(message, sealed, now) });
  }

  templateValues(message: MailMessage): Record<string, unknown> {
    return this.#secrets.templateValues(message);
  }

  async find(id: string): Promise<MailMessage | null> {
    // Anything but 24 hex digits is no message of ours (and would make mongoose throw a CastError).
    const key = objectIdOf(id);
    const found = key ? await this.#messages.findById(key).lean<OutboxMessageRecord>().exec() : null;
    return found ? plainMessage(found) : null;
  }

  recent(limit = 50): Promise<MailMessage[]> {
    return this.#newest({}, limit);
  }

  async #newest(filter: Record<string, unknown>, limit: number): Promise<MailMessage[]> {
    const found = await this.#messages
      .find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit)
      .lean<OutboxMessageRecord[]>()
      .exec();
    return found.map(plainMessage);
  }

  async due(now: Date, afterId: string | null, limit: number): Promise<MailMessage[]> {
    const after = afterId === null ? null : objectIdOf(afterId);
    // A cursor that is no id pages nowhere rather than starting over from the first message.
    if (afterId !== null && !after) return [];
    const found = await this.#messages
      .find({ status: 'pending', nextAttemptAt: { $lte: now }, ...(after ? { _id: { $gt: after } } : {}) })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<OutboxMessageRecord[]>()
      .exec();
    return found.map(plainMessage);
  }

  async claimAttempt(
    messageId: string,
    attempt: number,
    workerId: string,
    now: Date,
    leaseMs: number,
  ): Promise<ClaimOutcome> {
    const id = objectIdOf(messageId);
    // A takeover's winner does not send under the old attempt: the worker records it as failed, which moves the
    // message to the next attempt (claimed afresh) and counts against maxAttempts, so a message that kills its
    // worker every time ends `failed` instead of looping.
    return id
      ? claimByInsert(
          this.#claims,
          `${id.toHexString()}:${attempt}`,
          { messageId: id, attempt },
          workerId,
          now,
          leaseMs,
        )
      : 'held';
  }

  async renewClaim(messageId: string, attempt: number, workerId: string, now: Date): Promise<void> {
    const id = objectIdOf(messageId);
    if (id) await renewClaimOf(this.#claims, `${id.toHexString()}:${attempt}`, workerId, now);
  }

  async isPendingAt(messageId: string, attempt: number): Promise<boolean> {
    const id = objectIdOf(messageId);
    return id !== null && (await this.#messages.exists({ _id: id, status: 'pending', attempts: attempt })) !== null;
  }

  // The updates below run only for the holder of the attempt's claim, so the conditions are a consistency check,
  // not the concurrency control (FerretDB does not apply them atomically). Values are set, never incremented.
  async #moveFromPending(messageId: string, attempt: number, update: Record<string, unknown>): Promise<boolean> {
    const id = objectIdOf(messageId);
    if (!id) return false;
    const result = await this.#messages.updateOne({ _id: id, status: 'pending', attempts: attempt }, update);
    return result.modifiedCount === 1;
  }

  recordSent(messageId: string, attempt: number, providerMessageId: string, sentAt: Date): Promise<boolean> {
    return this.#moveFromPending(messageId, attempt, {
      $set: { status: 'sent', attempts: attempt + 1, providerMessageId, sentAt, lastError: null, sealed: null },
      $unset: ERASE_SECRETS.$unset,
    });
  }

  recordFailure(messageId: string, attempt: number, failure: AttemptFailure): Promise<boolean> {
    const final = failure.status === 'failed';
    return this.#moveFromPending(
      messageId,
      attempt,
      final
        ? { $set: { attempts: attempt + 1, ...failure, sealed: null }, $unset: ERASE_SECRETS.$unset }
        : { $set: { attempts: attempt + 1, ...failure } },
    );
  }

  recordExpired(messageId: string, attempt: number): Promise<boolean> {
    return this.#moveFromPending(messageId, attempt, {
      $set: { status: 'expired', lastError: 'not sent: its link expired before it could be delivered', sealed: null },
      $unset: ERASE_SECRETS.$unset,
    });
  }
}
