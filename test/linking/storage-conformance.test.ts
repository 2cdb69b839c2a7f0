import { PeopleStore } from '../../src/accounts/people-store.ts';
import { DisownLinkStore } from '../../src/linking/disown-links.ts';
import { PendingAssociationStore } from '../../src/linking/pending-associations.ts';
import { openTestMongo, silentLogger } from '../support/stores.ts';
import { disownLinksConformance } from './conformance/disown-links-conformance.ts';
import { membershipsConformance } from './conformance/memberships-conformance.ts';
import { pendingAssociationsConformance } from './conformance/pending-associations-conformance.ts';
import { MemoryPeople } from '../accounts/support/memory-people.ts';
import { MemoryDisownLinks, MemoryPendingAssociations } from './support/in-memory-linking.ts';

// One contract, two implementations: MongoDB (FerretDB here; a real MongoDB where MONGODB_URI points to one) and
// the in-memory fakes of test/linking/support. The same suites run against both, unchanged.

pendingAssociationsConformance('in memory', async () => ({
  store: new MemoryPendingAssociations(),
  close: async () => undefined,
}));

pendingAssociationsConformance('MongoDB', async () => {
  const mongo = await openTestMongo();
  const store = new PendingAssociationStore(mongo.connection);
  await store.ensureIndexes(silentLogger);
  return { store, close: () => mongo.dispose() };
});

membershipsConformance('in memory', async () => ({ people: new MemoryPeople(), close: async () => undefined }));

membershipsConformance('MongoDB', async () => {
  const mongo = await openTestMongo();
  const people = new PeopleStore(mongo.connection);
  await people.ensureIndexes(silentLogger);
  return { people, close: () => mongo.dispose() };
});

disownLinksConformance('in memory', async () => ({ links: new MemoryDisownLinks(), close: async () => undefined }));

disownLinksConformance('MongoDB', async () => {
  const mongo = await openTestMongo();
  const links = new DisownLinkStore(mongo.connection);
  await links.ensureIndexes(silentLogger);
  return { links, close: () => mongo.dispose() };
});
