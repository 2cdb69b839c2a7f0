import mongoose, { type Collection, type Connection, type IndexDefinition, type IndexOptions } from 'mongoose';
import type { Logger } from '../log/logger.ts';
import { redactCredentials } from './errors.ts';

export interface MongoOptions {
  logger: Logger;
  /** How long to wait for a server before an operation fails (start-up and readiness). */
  timeoutMs?: number;
}

/**
 * Opens a dedicated mongoose connection (never the global one, so tests and tools can hold several).
 * Indexes are created by `ensureIndexes`, not by mongoose's autoIndex, so that a refused TTL index is tolerated.
 */
export async function connectMongo(uri: string, { logger, timeoutMs = 5_000 }: MongoOptions): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    // How soon a restarted server is noticed (the driver's default, 10 s, keeps answering 503 for that long after).
    heartbeatFrequencyMS: 2_000,
    autoIndex: false,
    autoCreate: true,
  });
  try {
    await connection.asPromise();
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw new Error(
      `MongoDB: cannot connect to ${redactCredentials(uri)} (mongodb.uri / MONGODB_URI): ${(error as Error).message}`,
    );
  }
  logger.info({ mongodb: redactCredentials(uri) }, 'MongoDB connected');
  return connection;
}

export async function pingMongo(connection: Connection): Promise<void> {
  const db = connection.db;
  if (!db || connection.readyState !== mongoose.ConnectionStates.connected) throw new Error('not connected');
  await db.admin().ping();
}

let ttlRefusalLogged = false;

/**
 * Creates each model's indexes one by one. TTL indexes are housekeeping only — every query checks `expiresAt` —
 * so a server that refuses them (FerretDB answers error 238) is logged once and otherwise ignored. Any other
 * refused index is an error: uniqueness guards correctness.
 */
/**
 * What creating indexes needs of a model, whatever the records it holds (a `Model<Record>` is not assignable to a
 * `Model` of any other record type: mongoose's schema types are invariant in it).
 */
export interface IndexedModel {
  createCollection(): Promise<unknown>;
  readonly schema: { indexes(): Array<[IndexDefinition, IndexOptions]> };
  readonly collection: Pick<Collection, 'name' | 'createIndex'>;
}

export async function ensureIndexes(models: readonly IndexedModel[], logger: Logger): Promise<void> {
  for (const model of models) {
    await model.createCollection().catch((error: { codeName?: string }) => {
      if (error.codeName !== 'NamespaceExists') throw error;
    });
    for (const [fields, options] of model.schema.indexes()) {
      const isTtl = options?.expireAfterSeconds !== undefined;
      try {
        // Mongoose's index options are a superset of the driver's; the schemas here use only driver options.
        await model.collection.createIndex(
          fields as Record<string, 1 | -1>,
          (options ?? {}) as Record<string, unknown>,
        );
      } catch (error) {
        if (!isTtl)
          throw new Error(`MongoDB: cannot create index on ${model.collection.name}: ${(error as Error).message}`);
        if (!ttlRefusalLogged) {
          ttlRefusalLogged = true;
          logger.warn(
            { collection: model.collection.name, reason: (error as Error).message },
            'MongoDB refused a TTL index; expired records are ignored by every query but not purged automatically',
          );
        }
      }
    }
  }
}
