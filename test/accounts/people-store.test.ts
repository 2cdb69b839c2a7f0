import { PeopleStore } from '../../src/accounts/people-store.ts';
import { openTestMongo, silentLogger } from '../support/stores.ts';
import { peopleSupportConformance } from './conformance/people-support-conformance.ts';
import { MemoryPeople } from './support/memory-people.ts';

// One contract, two implementations (Dex's storage/conformance as the model): MongoDB (FerretDB here; a real MongoDB
// where MONGODB_URI points to one) and the in-memory people store the association flow's unit tests use.

peopleSupportConformance('in memory', async () => ({ people: new MemoryPeople(), close: async () => undefined }));

peopleSupportConformance('MongoDB', async () => {
  const mongo = await openTestMongo();
  const people = new PeopleStore(mongo.connection);
  await people.ensureIndexes(silentLogger);
  return { people, close: () => mongo.dispose() };
});
