import { Types } from 'mongoose';
import { contactModel } from '../../src/accounts/contact-model.ts';
import { identityModel } from '../../src/accounts/identity-model.ts';
import { membershipModel } from '../../src/accounts/membership-model.ts';
import {
  LEGACY_IDENTITY_INDEX,
  migratedNothing,
  migrateToOrganisations,
  type MigrationReport,
} from '../../src/accounts/organisation-migration.ts';
import { personModel } from '../../src/accounts/person-model.ts';
import { openTestMongo, silentLogger, type TestMongo } from '../support/stores.ts';

const ISSUER = 'https://login.example.com';
const nothingToDo: MigrationReport = {
  legacyIndexDropped: false,
  contactsCreated: 0,
  peopleCreated: 0,
  identitiesMigrated: 0,
  membershipsCreated: 0,
  withoutMembership: [],
  skipped: [],
};

/**
 * Data exactly as the first model wrote it, through the raw driver (the schemas now describe the new model): accounts
 * with one `email`, identities with an `accountId` and no person, and the unique index of one identity per upstream
 * per account.
 */
async function writeFirstModel(mongo: TestMongo) {
  const db = mongo.connection.db!;
  const at = new Date('2025-03-01T10:00:00Z');
  const account = (customerNumber: string, email?: string) => ({
    _id: new Types.ObjectId(),
    customerNumber,
    name: `Customer ${customerNumber}`,
    ...(email === undefined ? {} : { email }),
    plans: [],
    status: 'active',
    createdAt: at,
    updatedAt: at,
  });
  // Contoso's address was written before addresses were normalised; Carol's account never had one.
  const contoso = account('C-1', ' Office@Contoso.example');
  const fabrikam = account('C-2', 'it@fabrikam.example');
  const carol = account('C-3');
  const unlinked = account('C-4', 'nobody@unlinked.example');
  await db.collection('accounts').insertMany([contoso, fabrikam, carol, unlinked]);

  const identity = (accountId: Types.ObjectId, upstreamId: string, subject: string, linkedAt: Date) => ({
    _id: new Types.ObjectId(),
    accountId,
    upstreamId,
    issuer: ISSUER,
    subject,
    linkedAt,
    lastLoginAt: null,
  });
  const identities = [
    identity(contoso._id, 'google', 'contoso-google', new Date('2025-04-02T00:00:00Z')),
    identity(contoso._id, 'msa', 'contoso-msa', new Date('2025-04-01T00:00:00Z')),
    identity(fabrikam._id, 'msa', 'fabrikam-msa', new Date('2025-05-01T00:00:00Z')),
    identity(carol._id, 'msa', 'carol-msa', new Date('2025-06-01T00:00:00Z')),
  ];
  await db.collection('identities').createIndex({ issuer: 1, subject: 1 }, { unique: true });
  await db.collection('identities').createIndex({ accountId: 1, upstreamId: 1 }, { unique: true });
  await db.collection('identities').insertMany(identities);
  return { contoso, fabrikam, carol, unlinked, identities };
}

describe('migrateToOrganisations', () => {
  let mongo: TestMongo;
  beforeEach(async () => {
    mongo = await openTestMongo();
  });
  afterEach(() => mongo.dispose());

  const indexNames = async () =>
    (await mongo.connection.db!.collection('identities').listIndexes().toArray()).map((index) => index.name as string);

  it('keeps every linked sub: one person per old account, its id the account id, a membership as its contact', async () => {
    const { contoso, fabrikam, carol, unlinked, identities } = await writeFirstModel(mongo);
    expect(await indexNames()).toContain(LEGACY_IDENTITY_INDEX);

    expect(await migrateToOrganisations(mongo.connection, silentLogger)).toEqual({
      legacyIndexDropped: true,
      contactsCreated: 3,
      peopleCreated: 3,
      identitiesMigrated: 4,
      membershipsCreated: 2,
      withoutMembership: [
        {
          identityId: String(identities[3]?._id),
          accountId: String(carol._id),
          reason: 'the account has no legacy e-mail address',
        },
      ],
      skipped: [],
    });

    // Every address of the first model is now its account's first contact, normalised, without a name.
    const contacts = await contactModel(mongo.connection).find().sort({ email: 1 }).lean();
    expect(contacts.map(({ accountId, email, name, status }) => ({ accountId, email, name, status }))).toEqual([
      { accountId: fabrikam._id, email: 'it@fabrikam.example', name: null, status: 'active' },
      { accountId: unlinked._id, email: 'nobody@unlinked.example', name: null, status: 'active' },
      { accountId: contoso._id, email: 'office@contoso.example', name: null, status: 'active' },
    ]);

    // The person's id is the old account id: the `sub` portals already know.
    const people = await personModel(mongo.connection).find().sort({ _id: 1 }).lean();
    expect(people.map(({ _id }) => String(_id)).sort()).toEqual(
      [contoso, fabrikam, carol].map((a) => String(a._id)).sort(),
    );
    const contosoPerson = people.find(({ _id }) => _id.equals(contoso._id));
    expect(contosoPerson).toMatchObject({ associationId: null, createdAt: new Date('2025-04-01T00:00:00Z') });

    const migrated = await identityModel(mongo.connection).find().lean();
    expect(migrated.map(({ subject, personId }) => [subject, String(personId)]).sort()).toEqual(
      [
        ['carol-msa', String(carol._id)],
        ['contoso-google', String(contoso._id)],
        ['contoso-msa', String(contoso._id)],
        ['fabrikam-msa', String(fabrikam._id)],
      ].sort(),
    );
    expect(migrated.every(({ personId, accountId }) => personId.equals(accountId!))).toBe(true);

    const memberships = await membershipModel(mongo.connection).find().lean();
    const contactOf = (accountId: Types.ObjectId) =>
      contacts.find((contact) => contact.accountId.equals(accountId))?._id;
    expect(
      memberships.map(({ personId, accountId, contactId, associationId }) => ({
        personId,
        accountId,
        contactId,
        associationId,
      })),
    ).toEqual(
      expect.arrayContaining([
        { personId: contoso._id, accountId: contoso._id, contactId: contactOf(contoso._id), associationId: null },
        { personId: fabrikam._id, accountId: fabrikam._id, contactId: contactOf(fabrikam._id), associationId: null },
      ]),
    );
    expect(memberships).toHaveLength(2);

    expect(await indexNames()).not.toContain(LEGACY_IDENTITY_INDEX);
    // Without that index a person may add a second sign-in of an upstream they already use.
    const second = {
      personId: contoso._id,
      upstreamId: 'msa',
      issuer: ISSUER,
      subject: 'contoso-msa-2',
      linkedAt: new Date(),
    };
    await expect(identityModel(mongo.connection).create(second)).resolves.toBeDefined();
  });

  it('finds nothing to do on a second run and changes nothing', async () => {
    await writeFirstModel(mongo);
    await migrateToOrganisations(mongo.connection, silentLogger);
    const counts = async () => ({
      contacts: await contactModel(mongo.connection).countDocuments(),
      people: await personModel(mongo.connection).countDocuments(),
      memberships: await membershipModel(mongo.connection).countDocuments(),
    });
    const before = await counts();

    const again = await migrateToOrganisations(mongo.connection, silentLogger);
    expect(again).toEqual(nothingToDo);
    expect(migratedNothing(again)).toBe(true);
    expect(await counts()).toEqual(before);
  });

  it('does each thing once when two brokers start at the same time', async () => {
    await writeFirstModel(mongo);
    const reports = await Promise.all([1, 2].map(() => migrateToOrganisations(mongo.connection, silentLogger)));
    expect(reports.reduce((sum, report) => sum + report.contactsCreated, 0)).toBe(3);
    expect(reports.reduce((sum, report) => sum + report.peopleCreated, 0)).toBe(3);
    expect(reports.reduce((sum, report) => sum + report.membershipsCreated, 0)).toBe(2);
    expect(await contactModel(mongo.connection).countDocuments()).toBe(3);
    expect(await personModel(mongo.connection).countDocuments()).toBe(3);
    expect(await membershipModel(mongo.connection).countDocuments()).toBe(2);
    expect(await migrateToOrganisations(mongo.connection, silentLogger)).toEqual(nothingToDo);
  });

  it('keeps a contact that already exists, disabled or not, instead of registering its address again', async () => {
    const { contoso } = await writeFirstModel(mongo);
    await contactModel(mongo.connection).create({
      accountId: contoso._id,
      email: 'office@contoso.example',
      name: 'Front desk',
      status: 'disabled',
    });
    const report = await migrateToOrganisations(mongo.connection, silentLogger);
    expect(report.contactsCreated).toBe(2);
    expect(await contactModel(mongo.connection).find({ accountId: contoso._id }).lean()).toMatchObject([
      { email: 'office@contoso.example', name: 'Front desk', status: 'disabled' },
    ]);
  });

  it('has nothing to do on a database of the new model, or an empty one', async () => {
    expect(await migrateToOrganisations(mongo.connection, silentLogger)).toEqual(nothingToDo);
    const person = new Types.ObjectId();
    await identityModel(mongo.connection).create({
      personId: person,
      upstreamId: 'msa',
      issuer: ISSUER,
      subject: 's',
      linkedAt: new Date(),
    });
    expect(await migrateToOrganisations(mongo.connection, silentLogger)).toEqual(nothingToDo);
  });
});
