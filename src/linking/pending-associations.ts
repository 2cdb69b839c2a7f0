import { Schema, Types, type Connection, type Model } from 'mongoose';
import { objectIdOf } from '../store/object-ids.ts';
import type { Logger } from '../log/logger.ts';
import { isDuplicateKeyError } from '../store/errors.ts';
import { ensureIndexes } from '../store/mongo.ts';
import type { StoredState } from './association-flow.ts';
import { canTransition } from './association-flow.ts';
import { hashLinkToken, tokenMatchesHash } from './link-token.ts';
import { pendingAssociationModel, type PendingAssociationRecord } from './pending-association-model.ts';
import type { PendingAssociation } from './pending-association.ts';
import type { NewPendingAssociation, PendingAssociations } from './ports.ts';

/** The stored record as the flow sees it: string ids, nothing of mongoose. */
function plain(r: PendingAssociationRecord): PendingAssociation {
  return {
    id: r._id.toHexString(),
    issuer: r.issuer,
    subject: r.subject,
    upstreamId: r.upstreamId,
    signInName: r.signInName,
    enteredEmail: r.enteredEmail,
    contactIds: r.contactIds.map((id) => id.toHexString()),
    tokenHash: r.tokenHash,
    status: r.status,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    confirmedAt: r.confirmedAt ?? null,
    clientId: r.clientId ?? null,
    interactionUid: r.interactionUid ?? null,
    attempts: r.attempts,
  };
}

/**
 * One document per state an association has left, keyed `<id>:<state>`: inserting it is what lets exactly one
 * request move an association out of a state. A conditional update would do on MongoDB, but FerretDB applies it as
 * read-modify-write, so a confirm and a cancel racing could both "win"; a unique _id holds on both servers.
 */
interface TransitionRecord {
  _id: string;
  to: StoredState;
  at: Date;
}

function transitionModel(connection: Connection): Model<TransitionRecord> {
  const existing = connection.models.PendingAssociationTransition as Model<TransitionRecord> | undefined;
  if (existing) return existing;
  const schema = new Schema<TransitionRecord>(
    { _id: { type: String, required: true }, to: { type: String, required: true }, at: { type: Date, required: true } },
    { collection: 'pendingassociationtransitions', versionKey: false },
  );
  return connection.model<TransitionRecord>('PendingAssociationTransition', schema);
}

/** Pending associations in MongoDB: single-document writes, transitions guarded by an insert. */
export class PendingAssociationStore implements PendingAssociations {
  readonly #model: Model<PendingAssociationRecord>;
  readonly #transitions: Model<TransitionRecord>;

  constructor(connection: Connection) {
    this.#model = pendingAssociationModel(connection);
    this.#transitions = transitionModel(connection);
  }

  ensureIndexes(logger: Logger): Promise<void> {
    return ensureIndexes([this.#model, this.#transitions], logger);
  }

  async create(input: NewPendingAssociation, tokenHash: string, now: Date): Promise<PendingAssociation> {
    const created = await this.#model.create({
      ...input,
      contactIds: input.contactIds.map((id) => new Types.ObjectId(id)),
      tokenHash,
      status: 'pending',
      createdAt: now,
      confirmedAt: null,
      attempts: 0,
    });
    return plain(created.toObject());
  }

  async findByToken(token: string): Promise<PendingAssociation | null> {
    const record = await this.#model
      .findOne({ tokenHash: hashLinkToken(token) })
      .lean<PendingAssociationRecord>()
      .exec();
    return record && tokenMatchesHash(token, record.tokenHash) ? plain(await this.#settled(record)) : null;
  }

  async findById(id: string): Promise<PendingAssociation | null> {
    const key = objectIdOf(id);
    const record = key ? await this.#model.findById(key).lean<PendingAssociationRecord>().exec() : null;
    return record ? plain(await this.#settled(record)) : null;
  }

  async pendingOf(issuer: string, subject: string): Promise<PendingAssociation[]> {
    const records = await this.#model
      .find({ issuer, subject, status: 'pending' })
      .sort({ createdAt: 1, _id: 1 })
      .lean<PendingAssociationRecord[]>()
      .exec();
    return records.map(plain);
  }

  async newestOf(issuer: string, subject: string): Promise<PendingAssociation | null> {
    const record = await this.#model
      .findOne({ issuer, subject })
      .sort({ createdAt: -1, _id: -1 })
      .lean<PendingAssociationRecord>()
      .exec();
    return record ? plain(record) : null;
  }

  async transition(id: string, from: StoredState, to: StoredState, at: Date): Promise<boolean> {
    if (!canTransition(from, to)) throw new Error(`an association cannot move from ${from} to ${to}`);
    const key = objectIdOf(id);
    // Only a record in `from` moves: the guard below decides between racing requests, not whether the move applies.
    const current = key ? await this.#model.findById(key).lean<PendingAssociationRecord>().exec() : null;
    if (!current || (await this.#settled(current)).status !== from) return false;
    try {
      await this.#transitions.create({ _id: `${current._id.toHexString()}:${from}`, to, at });
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
    await this.#model
      .updateOne({ _id: current._id }, { $set: { status: to, ...(to === 'confirmed' ? { confirmedAt: at } : {}) } })
      .exec();
    return true;
  }

  async listForContacts(contactIds: readonly string[], limit: number): Promise<PendingAssociation[]> {
    const ids = contactIds.flatMap((id) => objectIdOf(id) ?? []);
    const records = await this.#model
      .find({ contactIds: { $in: ids } })
      .sort({ createdAt: -1 })
      .limit(limit)
      .lean<PendingAssociationRecord[]>()
      .exec();
    return records.map(plain);
  }

  async listForSignIn(
    { upstreamId, subject }: { upstreamId: string; subject: string },
    limit: number,
  ): Promise<PendingAssociation[]> {
    const records = await this.#model
      .find({ upstreamId, subject })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit)
      .lean<PendingAssociationRecord[]>()
      .exec();
    return records.map(plain);
  }

  async countAttempt(id: string): Promise<void> {
    const key = objectIdOf(id);
    if (key) await this.#model.updateOne({ _id: key }, { $inc: { attempts: 1 } }).exec();
  }

  /** A record still marked pending whose transition was won but not yet written (or a crash between): the won one. */
  async #settled(record: PendingAssociationRecord): Promise<PendingAssociationRecord> {
    if (record.status !== 'pending') return record;
    const won = await this.#transitions.findById(`${record._id.toHexString()}:pending`).lean<TransitionRecord>().exec();
    if (!won) return record;
    return { ...record, status: won.to, ...(won.to === 'confirmed' ? { confirmedAt: won.at } : {}) };
  }
}
