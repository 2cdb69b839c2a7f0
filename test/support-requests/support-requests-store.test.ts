import { SupportRequests } from '../../src/support-requests/support-requests.ts';
import { openTestMongo, silentLogger } from '../support/stores.ts';
import { supportRequestsConformance } from './conformance/support-requests-conformance.ts';
import { MemorySupportRequests } from './support/memory-support-requests.ts';

// One contract, two implementations (Dex's storage/conformance as the model): MongoDB and the in-memory store.

supportRequestsConformance('in memory', async () => ({
  store: new MemorySupportRequests(),
  close: async () => undefined,
}));

supportRequestsConformance('MongoDB', async () => {
  const mongo = await openTestMongo();
  const store = new SupportRequests(mongo.connection);
  await store.ensureIndexes(silentLogger);
  return { store, close: () => mongo.dispose() };
});
