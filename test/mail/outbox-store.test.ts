import { Outbox } from '../../src/mail/outbox.ts';
import { openTestMongo, silentLogger } from '../support/stores.ts';
import { outboxConformance } from './conformance/outbox-conformance.ts';
import { MemoryOutbox } from './support/memory-outbox.ts';

// One contract, two implementations (Dex's storage/conformance as the model): MongoDB (FerretDB here; a real MongoDB
// where MONGODB_URI points to one) and the in-memory outbox.

outboxConformance('in memory', async (options) => ({
  outbox: new MemoryOutbox(options),
  close: async () => undefined,
}));

outboxConformance('MongoDB', async (options) => {
  const mongo = await openTestMongo();
  const outbox = new Outbox(mongo.connection, options);
  await outbox.ensureIndexes(silentLogger);
  return { outbox, close: () => mongo.dispose() };
});
