import { Types } from 'mongoose';
import { contactModel } from '../../src/accounts/contact-model.ts';
import { PeopleDirectory } from '../../src/accounts/people-directory.ts';
import { PeopleStore } from '../../src/accounts/people-store.ts';
import { DisownLinkStore } from '../../src/linking/disown-links.ts';
import { PendingAssociationStore } from '../../src/linking/pending-associations.ts';
import { seedAccount } from '../parties/seed-linked-account.ts';
import { openTestMongo, silentLogger } from '../support/stores.ts';
import { disownLinksConformance } from './conformance/disown-links-conformance.ts';
import { membershipsConformance } from './conformance/memberships-conformance.ts';
import { pendingAssociationsConformance } from './conformance/pending-associations-conformance.ts';
import { MemoryDisownLinks, MemoryMemberships, MemoryPendingAssociations } from './support/in-memory-linking.ts';

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

membershipsConformance('in memory', async () => {
  const people = new MemoryMemberships();
  return {
    people,
    async addAccount(name, addresses) {
      const account = people.addAccount(name, addresses);
      return people.contacts.filter((c) => c.accountId === account.id).map((c) => c.id);
    },
    close: async () => undefined,
  };
});

membershipsConformance('MongoDB', async () => {
  const mongo = await openTestMongo();
  const store = new PeopleStore(mongo.connection);
  await store.ensureIndexes(silentLogger);
  return {
    people: new PeopleDirectory(store, { ttlMs: 0 }),
    async addAccount(name, addresses) {
      const accountId = new Types.ObjectId(await seedAccount(mongo.connection, { name, email: addresses }));
      const contacts = await contactModel(mongo.connection).find({ accountId }).lean().exec();
      return addresses.map((email) => contacts.find((c) => c.email === email)!._id.toHexString());
    },
    close: () => mongo.dispose(),
  };
});

disownLinksConformance('in memory', async () => ({ links: new MemoryDisownLinks(), close: async () => undefined }));

disownLinksConformance('MongoDB', async () => {
  const mongo = await openTestMongo();
  const links = new DisownLinkStore(mongo.connection);
  await links.ensureIndexes(silentLogger);
  return { links, close: () => mongo.dispose() };
});
