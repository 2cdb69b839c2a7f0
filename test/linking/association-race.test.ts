import { identityModel } from '../../src/accounts/identity-model.ts';
import { membershipModel } from '../../src/accounts/membership-model.ts';
import { cancelAssociation, completeConfirmation, startConfirmation } from '../../src/linking/confirm-association.ts';
import { PeopleDirectory } from '../../src/accounts/people-directory.ts';
import { seedAccount } from '../parties/seed-linked-account.ts';
import { PeopleStore } from '../../src/accounts/people-store.ts';
import { PendingAssociationStore } from '../../src/linking/pending-associations.ts';
import { requestAssociation } from '../../src/linking/request-association.ts';
import { openTestMongo, silentLogger, type TestMongo } from '../support/stores.ts';
import { memoryLinking } from './support/in-memory-linking.ts';

const ORIGIN = { ip: '192.0.2.1', locale: 'en' };

describe('a confirm and a cancel racing on the real MongoDB-wire server', () => {
  let mongo: TestMongo;

  beforeAll(async () => {
    mongo = await openTestMongo();
  });
  afterAll(() => mongo.dispose());

  it('ends every race as confirmed with its link, or cancelled without one', async () => {
    const pending = new PendingAssociationStore(mongo.connection);
    const people = new PeopleStore(mongo.connection);
    const directory = new PeopleDirectory(people, { ttlMs: 0 });
    await people.ensureIndexes(silentLogger);
    await pending.ensureIndexes(silentLogger);
    const outcomes: string[] = [];
    for (let round = 0; round < 12; round += 1) {
      const linking = memoryLinking();
      linking.context.pending = pending;
      linking.context.memberships = directory;
      linking.context.contacts = directory;
      linking.context.now = () => new Date();
      await seedAccount(mongo.connection, {
        name: 'Race',
        email: `office-${round}@race.example`,
        customerNumber: `R-${round}`,
      });
      const identity = { upstreamId: 'demo', issuer: 'https://id.example', subject: `racer-${round}` };
      await requestAssociation(linking.context, {
        identity,
        enteredEmail: `office-${round}@race.example`,
        clientId: null,
        interactionUid: null,
        origin: ORIGIN,
      });
      const token = linking.mailedTokens[0]!;
      const { reference } = await startConfirmation(linking.context, token, ORIGIN.ip);
      const [confirmed, cancelled] = await Promise.allSettled([
        completeConfirmation(linking.context, reference, identity, ORIGIN),
        cancelAssociation(linking.context, token, ORIGIN),
      ]);
      const stored = await pending.findByToken(token);
      const linked = await membershipModel(mongo.connection).countDocuments({ associationId: stored?.id });
      expect(await identityModel(mongo.connection).countDocuments({ subject: identity.subject })).toBe(linked);
      if (stored?.status === 'confirmed') {
        expect([confirmed.status, cancelled.status, linked]).toEqual(['fulfilled', 'rejected', 1]);
      } else {
        expect([stored?.status, cancelled.status, confirmed.status, linked]).toEqual([
          'cancelled',
          'fulfilled',
          'rejected',
          0,
        ]);
      }
      outcomes.push(stored?.status ?? 'missing');
    }
    expect(outcomes.every((o) => o === 'confirmed' || o === 'cancelled')).toBe(true);
  });
});
