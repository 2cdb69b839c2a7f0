import { Schema, Types, type Connection, type Model } from 'mongoose';
import type { Logger } from '../log/logger.ts';
import { ensureIndexes } from '../store/mongo.ts';
import { hashLinkToken, tokenMatchesHash } from './link-token.ts';
import type { DisownLink, DisownLinks } from './ports.ts';

interface DisownLinkRecord {
  /** The token's hash (the record's key). */
  _id: string;
  associationId: Types.ObjectId;
  personId: Types.ObjectId;
  createdAt: Date;
  expiresAt: Date;
}

// Housekeeping only (FerretDB refuses TTL indexes): every read checks `expiresAt` itself.
const KEEP_AFTER_EXPIRY_S = 7 * 24 * 3600;

function disownLinkModel(connection: Connection): Model<DisownLinkRecord> {
  const existing = connection.models.DisownLink as Model<DisownLinkRecord> | undefined;
  if (existing) return existing;
  const schema = new Schema<DisownLinkRecord>(
    {
      // The token's SHA-256 is the key: unique by construction on MongoDB and FerretDB alike.
      _id: { type: String, required: true },
      associationId: { type: Schema.Types.ObjectId, required: true },
      personId: { type: Schema.Types.ObjectId, required: true },
      createdAt: { type: Date, required: true },
      expiresAt: { type: Date, required: true },
    },
    { collection: 'disownlinks', versionKey: false },
  );
  schema.index({ expiresAt: 1 }, { expireAfterSeconds: KEEP_AFTER_EXPIRY_S });
  return connection.model<DisownLinkRecord>('DisownLink', schema);
}

/** The "This wasn't me" links of the notices after a confirmation, in MongoDB: the plain token is never stored. */
export class DisownLinkStore implements DisownLinks {
  readonly #model: Model<DisownLinkRecord>;

  constructor(connection: Connection) {
    this.#model = disownLinkModel(connection);
  }

  ensureIndexes(logger: Logger): Promise<void> {
    return ensureIndexes([this.#model], logger);
  }

  async create(link: DisownLink, tokenHash: string): Promise<void> {
    const { associationId, personId, createdAt, expiresAt } = link;
    await this.#model.create({
      _id: tokenHash,
      associationId: new Types.ObjectId(associationId),
      personId: new Types.ObjectId(personId),
      createdAt,
      expiresAt,
    });
  }

  async findByToken(token: string): Promise<DisownLink | null> {
    const record = await this.#model.findById(hashLinkToken(token)).lean<DisownLinkRecord>().exec();
    if (!record || !tokenMatchesHash(token, record._id)) return null;
    const { associationId, personId, createdAt, expiresAt } = record;
    return { associationId: associationId.toHexString(), personId: personId.toHexString(), createdAt, expiresAt };
  }
}
