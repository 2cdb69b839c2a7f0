import { Types, type Connection, type Model } from 'mongoose';
import type { Logger } from '../log/logger.ts';
import { ensureIndexes } from '../store/mongo.ts';
import { hashLinkToken, tokenMatchesHash } from './link-token.ts';
import { pendingAssociationModel, type PendingAssociationRecord } from './pending-association-model.ts';

export type NewPendingAssociation = Omit<
  PendingAssociationRecord,
  '_id' | 'tokenHash' | 'status' | 'confirmedAt' | 'attempts' | 'createdAt'
>;

/** What a link's state means to a person opening it; `expired` is derived from `expiresAt`, never stored. */
export type LinkState = PendingAssociationRecord['status'] | 'expired';

export function stateOf(record: PendingAssociationRecord, now = new Date()): LinkState {
  if (record.status === 'pending' && record.expiresAt <= now) return 'expired';
  return record.status;
}

/** Queries of the pending associations; each write is a single-document operation (no transactions needed). */
export class PendingAssociationStore {
  readonly #model: Model<PendingAssociationRecord>;

  constructor(connection: Connection) {
    this.#model = pendingAssociationModel(connection);
  }

  ensureIndexes(logger: Logger): Promise<void> {
    return ensureIndexes([this.#model] as unknown as Model<never>[], logger);
  }

  /**
   * Stores a new request and supersedes the identity's older pending ones. Under a race two may stay `pending`;
   * confirmation therefore also refuses any record that has a newer sibling (see `newerExists`).
   */
  async create(input: NewPendingAssociation, token: string, now = new Date()): Promise<PendingAssociationRecord> {
    await this.#model
      .updateMany({ issuer: input.issuer, subject: input.subject, status: 'pending' }, { $set: { status: 'superseded' } })
      .exec();
    const created = await this.#model.create({
      ...input,
      tokenHash: hashLinkToken(token),
      status: 'pending',
      createdAt: now,
      confirmedAt: null,
      attempts: 0,
    });
    return created.toObject();
  }

  async findByToken(token: string): Promise<PendingAssociationRecord | null> {
    const record = await this.#model.findOne({ tokenHash: hashLinkToken(token) }).lean<PendingAssociationRecord>().exec();
    return record && tokenMatchesHash(token, record.tokenHash) ? record : null;
  }

  async findById(id: string): Promise<PendingAssociationRecord | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    return this.#model.findById(id).lean<PendingAssociationRecord>().exec();
  }

  async newerExists(record: PendingAssociationRecord): Promise<boolean> {
    const newer = await this.#model
      .exists({ issuer: record.issuer, subject: record.subject, createdAt: { $gt: record.createdAt } })
      .exec();
    return newer !== null;
  }

  async countAttempt(id: Types.ObjectId): Promise<void> {
    await this.#model.updateOne({ _id: id }, { $inc: { attempts: 1 } }).exec();
  }

  /** Idempotent: a second confirmation of the same record keeps the first `confirmedAt`. */
  async markConfirmed(id: Types.ObjectId, at = new Date()): Promise<void> {
    await this.#model.updateOne({ _id: id, status: 'pending' }, { $set: { status: 'confirmed', confirmedAt: at } }).exec();
  }

  async markCancelled(id: Types.ObjectId): Promise<void> {
    await this.#model.updateOne({ _id: id, status: 'pending' }, { $set: { status: 'cancelled' } }).exec();
  }
}
