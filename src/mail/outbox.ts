import { Types, type Connection, type Model } from 'mongoose';
import { isObjectIdText } from '../store/object-ids.ts';
import type { Logger } from '../log/logger.ts';
import { ensureIndexes } from '../store/mongo.ts';
import {
  claimAttempt,
  outboxClaimModel,
  renewClaim,
  type ClaimOutcome,
  type OutboxClaimRecord,
} from './outbox-claims.ts';
import { outboxMessageModel, type MailData, type MailTemplate, type OutboxMessageRecord } from './outbox-model.ts';
import { createValueSealer, type ValueSealer } from './sealed-values.ts';
import { mailRetryModel, type MailRetryRecord } from './mail-retries.ts';
import { isDuplicateKeyError } from '../store/errors.ts';

export type { MailTemplate, OutboxMessageRecord };

export interface OutboxMessage {
  to: string;
  template: MailTemplate;
  /** Values that may be stored readable. */
  data: MailData;
  /** Values that must never be readable at rest (a one-time link): sealed until sent, then erased. */
  secret?: Record<string, string>;
  /** Send no later than this; afterwards the message ends `expired` instead (its link would no longer work). */
  notAfter?: Date;
}

export interface OutboxOptions {
  /** The configuration's cookie keys: sealed values are encrypted under keys derived from them. */
  sealingKeys: readonly string[];
}

/** The outcome of one failed attempt, decided by the worker's retry policy. */
export interface AttemptFailure {
  lastError: string;
  /** `failed` once the attempts are used up (or the provider refused for good); `pending` with the next time otherwise. */
  status: 'pending' | 'failed';
  nextAttemptAt: Date;
}

// Values a template may not take from the readable `data`: they are credentials.
const SECRET_KEYS = ['link', 'notMeLink'];

/** What a message keeps once it is no longer pending: no sealed values, and no link a legacy message held in clear. */
const ERASE_SECRETS = { $set: { sealed: null }, $unset: { 'data.link': '' } };

function binding(id: string, to: string, template: string): string {
  return `${id}\n${to}\n${template}`;
}

/**
 * The e-mails to send, stored in MongoDB so that a flow's request never waits for (or fails with) the mail
 * provider: the flow enqueues, the worker delivers and retries.
 */
/** An outbox message as the rest of the broker (support, the development mailbox, tests) reads it: a string id. */
export type MailMessage = Readonly<Omit<OutboxMessageRecord, '_id'> & { id: string }>;

const plainMessage = ({ _id, ...message }: OutboxMessageRecord): MailMessage => ({ ...message, id: _id.toHexString() });

export class Outbox {
  readonly #messages: Model<OutboxMessageRecord>;
  readonly #claims: Model<OutboxClaimRecord>;
  readonly #sealer: ValueSealer;
  readonly #retries: Model<MailRetryRecord>;

  constructor(connection: Connection, options: OutboxOptions) {
    this.#messages = outboxMessageModel(connection);
    this.#claims = outboxClaimModel(connection);
    this.#retries = mailRetryModel(connection);
    this.#sealer = createValueSealer(options.sealingKeys);
  }

  async ensureIndexes(logger: Logger): Promise<void> {
    await ensureIndexes([this.#messages, this.#claims] as unknown as Model<never>[], logger);
    // Messages written before links were sealed kept theirs in clear after sending: erase them once.
    const scrubbed = await this.#messages.updateMany(
      { status: { $ne: 'pending' }, 'data.link': { $exists: true } },
      ERASE_SECRETS,
    );
    if (scrubbed.modifiedCount > 0)
      logger.info({ messages: scrubbed.modifiedCount }, 'erased links of delivered e-mails');
  }

  /** Support's view: e-mails given up (failed) or not sent because their link expired, newest first. */
  async failures(limit: number): Promise<MailMessage[]> {
    const found = await this.#messages
      .find({ status: { $in: ['failed', 'expired'] } })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit)
      .lean<OutboxMessageRecord[]>()
      .exec();
    return found.map(plainMessage);
  }

  /**
   * Queues a failed message again as a new one, once: the retry record's unique id lets exactly one retry through
   * (two staff pressing "retry" at once would otherwise send it twice). Resolves with the new message's id.
   */
  async retry(message: MailMessage, { actor, at }: { actor: string; at: Date }): Promise<string | 'retried-already'> {
    const key = message.id;
    try {
      await this.#retries.create({ _id: key, at, actor, newMessageId: null });
    } catch (error) {
      if (isDuplicateKeyError(error)) return 'retried-already';
      throw error;
    }
    const newId = await this.enqueue({ to: message.to, template: message.template, data: message.data });
    await this.#retries.updateOne({ _id: key }, { $set: { newMessageId: newId } }).exec();
    return newId;
  }

  /** One single-document insert; the worker sends it later. Never calls a transport. Returns the message id. */
  async enqueue(message: OutboxMessage): Promise<string> {
    const leaked = SECRET_KEYS.find((key) => key in message.data);
    // A programming error, caught by the tests of whoever adds a message: the value is not named, it is a credential.
    if (leaked) throw new Error(`outbox: "${leaked}" must be passed as a secret value, never in readable data`);
    const now = new Date();
    const _id = new Types.ObjectId();
    const created = await this.#messages.create({
      _id,
      to: message.to,
      template: message.template,
      data: message.data,
      sealed: message.secret
        ? this.#sealer.seal(message.secret, binding(_id.toHexString(), message.to, message.template))
        : null,
      notAfter: message.notAfter ?? null,
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

  /** The template values to render now: the readable data and the opened secrets. Throws when they cannot be opened. */
  templateValues(message: OutboxMessageRecord | MailMessage): Record<string, unknown> {
    if (!message.sealed) return { ...message.data };
    const id = '_id' in message ? message._id.toHexString() : message.id;
    return {
      ...message.data,
      ...this.#sealer.open(message.sealed, binding(id, message.to, message.template)),
    };
  }

  async find(id: string): Promise<MailMessage | null> {
    // Anything but 24 hex digits is no message of ours (and would make mongoose throw a CastError).
    if (!isObjectIdText(id)) return null;
    const found = await this.#messages.findById(id).lean<OutboxMessageRecord>().exec();
    return found ? plainMessage(found) : null;
  }

  /** Newest first, for the dev mailbox and tests. */
  async recent(limit = 50): Promise<MailMessage[]> {
    const found = await this.#messages
      .find()
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit)
      .lean<OutboxMessageRecord[]>()
      .exec();
    return found.map(plainMessage);
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

  claimAttempt(
    message: OutboxMessageRecord,
    attempt: number,
    workerId: string,
    now: Date,
    leaseMs: number,
  ): Promise<ClaimOutcome> {
    return claimAttempt(this.#claims, message._id, attempt, workerId, now, leaseMs);
  }

  /** Keeps a claim alive while its send is in flight (see CLAIM_LEASE_MS). */
  renewClaim(message: OutboxMessageRecord, attempt: number, workerId: string, now: Date): Promise<void> {
    return renewClaim(this.#claims, message._id, attempt, workerId, now);
  }

  /** Whether the message is still pending at exactly this attempt (a claim may have been won on a stale read). */
  async isPendingAt(id: Types.ObjectId, attempt: number): Promise<boolean> {
    return (await this.#messages.exists({ _id: id, status: 'pending', attempts: attempt })) !== null;
  }

  // The updates below run only for the holder of the attempt's claim, so the conditions are a consistency check,
  // not the concurrency control (FerretDB does not apply them atomically). Values are set, never incremented.
  async recordSent(id: Types.ObjectId, attempt: number, providerMessageId: string, sentAt: Date): Promise<boolean> {
    const result = await this.#messages.updateOne(
      { _id: id, status: 'pending', attempts: attempt },
      {
        $set: { status: 'sent', attempts: attempt + 1, providerMessageId, sentAt, lastError: null, sealed: null },
        $unset: ERASE_SECRETS.$unset,
      },
    );
    return result.modifiedCount === 1;
  }

  async recordFailure(id: Types.ObjectId, attempt: number, failure: AttemptFailure): Promise<boolean> {
    const final = failure.status === 'failed';
    const result = await this.#messages.updateOne(
      { _id: id, status: 'pending', attempts: attempt },
      final
        ? { $set: { attempts: attempt + 1, ...failure, sealed: null }, $unset: ERASE_SECRETS.$unset }
        : { $set: { attempts: attempt + 1, ...failure } },
    );
    return result.modifiedCount === 1;
  }

  /** Not sent because it would arrive too late (its link has expired); nothing usable is kept. */
  async recordExpired(id: Types.ObjectId, attempt: number): Promise<boolean> {
    const result = await this.#messages.updateOne(
      { _id: id, status: 'pending', attempts: attempt },
      {
        $set: { status: 'expired', lastError: 'not sent: its link expired before it could be delivered', sealed: null },
        $unset: ERASE_SECRETS.$unset,
      },
    );
    return result.modifiedCount === 1;
  }
}
