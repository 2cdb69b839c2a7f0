import { Types } from 'mongoose';
import { migrateToOrganisations, migratedNothing } from '../../src/accounts/organisation-migration.ts';
import { TestBrowser } from '../support/browser.ts';
import { TestPortal, signIn } from '../support/portal.ts';
import { demoUser, startStack, type Stack } from '../support/stack.ts';
import { silentLogger } from '../support/stores.ts';

const alice = demoUser('alice');

describe('people of the first model after the migration', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ accountCacheTtl: '0s' });
  });
  afterAll(() => stack.close());

  it('sign in with the same sub portals knew before, with the same account’s claims', async () => {
    // As the first model stored a linked customer: the account with its one address, the identity with accountId.
    const accountId = new Types.ObjectId();
    await stack.db.collection('accounts').insertOne({
      _id: accountId,
      customerNumber: '900001',
      name: 'Legacy Ltd',
      email: 'office@legacy.example',
      plans: [],
      status: 'active',
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    await stack.db.collection('identities').insertOne({
      accountId,
      upstreamId: 'demo',
      issuer: stack.upstreamUrl,
      subject: alice.sub,
      linkedAt: new Date(),
      lastLoginAt: null,
    });

    expect(migratedNothing(await migrateToOrganisations(stack.db, silentLogger))).toBe(false);
    expect(migratedNothing(await migrateToOrganisations(stack.db, silentLogger))).toBe(true);

    const portal = await TestPortal.discover(stack);
    const { attempt, callback } = await signIn(new TestBrowser(), portal, alice);
    const claims = (await portal.exchange(callback.url, attempt)).claims();
    expect(claims).toMatchObject({
      sub: accountId.toHexString(),
      customer_number: '900001',
      email: 'office@legacy.example',
    });
  });
});
