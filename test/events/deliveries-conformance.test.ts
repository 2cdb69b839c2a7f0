import { MongoWebhookDeliveryStore } from '../../src/events/webhook-delivery-store.ts';
import { openTestMongo, silentLogger } from '../support/stores.ts';
import { webhookDeliveriesConformance } from './conformance/webhook-deliveries-conformance.ts';
import { MemoryWebhookDeliveries } from './support/in-memory-deliveries.ts';

// One contract, two implementations: MongoDB (FerretDB here; a real MongoDB where MONGODB_URI points to one) and
// the in-memory store of test/events/support. The same suite runs against both, unchanged.

webhookDeliveriesConformance('in memory', async () => ({
  store: new MemoryWebhookDeliveries(),
  close: async () => undefined,
}));

webhookDeliveriesConformance('MongoDB', async () => {
  const mongo = await openTestMongo();
  const store = new MongoWebhookDeliveryStore(mongo.connection);
  await store.ensureIndexes(silentLogger);
  return { store, close: () => mongo.dispose() };
});
