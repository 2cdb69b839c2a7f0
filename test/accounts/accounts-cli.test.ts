import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Types } from 'mongoose';
import { accountModel } from '../../src/accounts/account-model.ts';
import { contactModel } from '../../src/accounts/contact-model.ts';
import { identityModel } from '../../src/accounts/identity-model.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { directoryChangesOver, type DirectoryChanges } from '../../src/accounts/directory-changes.ts';
import { webhookDeliveryModel } from '../../src/events/webhook-delivery-model.ts';
import { newWebhookSecret } from '../events/support/webhook-secret.ts';
import { baseConfigDocument } from '../support/config.ts';
import {
  openTestMongo,
  openTestRedis,
  REDIS_URL,
  silentLogger,
  type TestMongo,
  type TestRedis,
} from '../support/stores.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) => `test/fixtures/accounts/${name}`;
const summary = (accounts: [number, number, number], contacts: [number, number, number, number], rejected: number) =>
  `accounts: created ${accounts[0]}, updated ${accounts[1]}, unchanged ${accounts[2]}; ` +
  `contacts: added ${contacts[0]}, updated ${contacts[1]}, unchanged ${contacts[2]}, disabled ${contacts[3]}; ` +
  `rejected ${rejected}`;

/** What a change printed when the command could not tell running brokers: they see it within accountCacheTtl. */
const NOT_TOLD =
  'running brokers not told (no usable broker configuration): they see the change within accountCacheTtl';

interface Run {
  code: number | null;
  stdout: string[];
  stderr: string[];
}

/** Runs `npm run accounts -- ARGS` the way npm does (Node 24 from node_modules, here jest's own process). */
function runAccounts(args: string[], mongodbUri: string, overrides: Record<string, string> = {}): Promise<Run> {
  // A configuration file that does not exist: the command falls back to MONGODB_URI alone.
  const env = {
    ...process.env,
    MONGODB_URI: mongodbUri,
    BROKER_CONFIG: 'test/fixtures/accounts/no-such-config.yaml',
    ...overrides,
  };
  const options = { cwd: root, env, timeout: 20_000 };
  const lines = (text: string) => text.split('\n').filter((line) => line !== '');
  return new Promise((resolve) => {
    execFile(process.execPath, ['scripts/accounts.ts', ...args], options, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code as number | null) : 0, stdout: lines(stdout), stderr: lines(stderr) });
    });
  });
}

/** One account and one linked identity as the first model wrote them (raw driver: the schemas are the new model's). */
async function writeFirstModel(mongo: TestMongo): Promise<Types.ObjectId> {
  const db = mongo.connection.db!;
  const accountId = new Types.ObjectId();
  await db.collection('accounts').insertOne({
    _id: accountId,
    customerNumber: 'C-2001',
    name: 'Müller, Anna GmbH',
    email: 'office@mueller.example',
    plans: [],
    status: 'active',
  });
  await db.collection('identities').createIndex({ accountId: 1, upstreamId: 1 }, { unique: true });
  await db.collection('identities').insertOne({
    accountId,
    upstreamId: 'msa',
    issuer: 'https://login.example.com',
    subject: 'anna',
    linkedAt: new Date('2025-01-01T00:00:00Z'),
  });
  return accountId;
}

describe('npm run accounts -- import FILE [--prune]', () => {
  let mongo: TestMongo;
  beforeEach(async () => {
    mongo = await openTestMongo();
  });
  afterEach(() => mongo.dispose());

  it('imports a valid file, prints the summary and exits 0; a second run changes nothing and says so', async () => {
    expect(await runAccounts(['import', fixture('valid.csv')], mongo.uri)).toEqual({
      code: 0,
      stdout: [summary([3, 0, 0], [4, 0, 0, 0], 0), NOT_TOLD],
      stderr: [],
    });
    expect(await runAccounts(['import', fixture('valid.csv')], mongo.uri)).toEqual({
      code: 0,
      stdout: [summary([0, 0, 3], [0, 0, 4, 0], 0), 'nothing changed'],
      stderr: [],
    });
    expect(await accountModel(mongo.connection).countDocuments()).toBe(3);
    expect(await contactModel(mongo.connection).countDocuments()).toBe(4);
  });

  it('imports the valid accounts of a file with bad rows, lists each rejection on stderr and exits non-zero', async () => {
    const run = await runAccounts(['import', fixture('bad-rows.csv')], mongo.uri);
    expect(run.code).toBe(1);
    expect(run.stdout).toEqual([summary([2, 0, 0], [3, 0, 0, 0], 11), NOT_TOLD]);
    expect(run.stderr).toHaveLength(11);
    expect(run.stderr[0]).toBe('line 3: customerNumber: must not be empty');
    expect(run.stderr).toContain('line 4: email: must be an e-mail address');
    expect(run.stderr).toContain(
      'line 9: customerNumber C-3006: lines 7, 9 must agree on the account but differ in name',
    );
    expect(await accountModel(mongo.connection).countDocuments()).toBe(2);
  });

  it('imports JSON chosen by the file extension', async () => {
    const run = await runAccounts(['import', fixture('valid.json')], mongo.uri);
    expect(run).toMatchObject({ code: 0, stdout: [summary([3, 0, 0], [4, 0, 0, 0], 0), NOT_TOLD] });
  });

  it('disables the contacts a file leaves out only with --prune', async () => {
    await runAccounts(['import', fixture('valid.csv')], mongo.uri);
    const withoutPrune = await runAccounts(['import', fixture('anna-left.csv')], mongo.uri);
    expect(withoutPrune.stdout).toEqual([summary([0, 0, 1], [0, 0, 1, 0], 0), 'nothing changed']);
    const pruned = await runAccounts(['import', '--prune', fixture('anna-left.csv')], mongo.uri);
    expect(pruned).toEqual({ code: 0, stdout: [summary([0, 0, 1], [0, 0, 1, 1], 0), NOT_TOLD], stderr: [] });
    const anna = await contactModel(mongo.connection).findOne({ email: 'anna.mueller@example.com' }).lean();
    expect(anna?.status).toBe('disabled');
  });

  it('migrates data of the first model before it imports', async () => {
    await writeFirstModel(mongo);
    const run = await runAccounts(['import', fixture('anna-left.csv'), '--prune'], mongo.uri);
    expect(run.stdout).toEqual([
      'migrated first: contacts created 1, people created 1, identities migrated 1, memberships created 1, legacy identity index dropped',
      // The migrated address is a contact by the time the file is compared with the account's contacts.
      summary([0, 1, 0], [1, 0, 0, 1], 0),
      NOT_TOLD,
    ]);
    const legacy = await contactModel(mongo.connection).findOne({ email: 'office@mueller.example' }).lean();
    expect(legacy?.status).toBe('disabled');
  });

  it('exits 2 with the usage line on bad arguments', async () => {
    const badArguments = [
      [],
      ['import'],
      ['import', '--prune'],
      ['export', 'a.csv'],
      ['import', 'a.txt'],
      ['import', 'a.csv', 'b.csv'],
      ['migrate', 'a.csv'],
    ];
    for (const args of badArguments) {
      const run = await runAccounts(args, mongo.uri);
      expect(run.code).toBe(2);
      expect(run.stderr).toEqual([expect.stringMatching(/^usage: npm run accounts -- import FILE \[--prune\]/)]);
    }
  }, 90_000); // six CLI runs, each starting Node and loading the TypeScript sources

  it('reports an unreadable file in one line and exits 1', async () => {
    const run = await runAccounts(['import', fixture('missing.csv')], mongo.uri);
    expect(run.code).toBe(1);
    expect(run.stdout).toEqual([]);
    expect(run.stderr).toEqual([expect.stringMatching(/^cannot read test\/fixtures\/accounts\/missing\.csv: ENOENT/)]);
  });
});

describe('npm run accounts -- migrate', () => {
  let mongo: TestMongo;
  beforeEach(async () => {
    mongo = await openTestMongo();
  });
  afterEach(() => mongo.dispose());

  it('migrates the first model, prints what it did, and has nothing to do the second time', async () => {
    const accountId = await writeFirstModel(mongo);
    expect(await runAccounts(['migrate'], mongo.uri)).toEqual({
      code: 0,
      stdout: [
        'contacts created 1, people created 1, identities migrated 1, memberships created 1, legacy identity index dropped',
        NOT_TOLD,
      ],
      stderr: [],
    });
    expect((await identityModel(mongo.connection).findOne({ subject: 'anna' }).lean())?.personId).toEqual(accountId);
    expect(await runAccounts(['migrate'], mongo.uri)).toEqual({ code: 0, stdout: ['nothing to migrate'], stderr: [] });
  });

  it('names the identities it could not give a membership', async () => {
    const accountId = await writeFirstModel(mongo);
    await mongo.connection.db!.collection('accounts').updateOne({ _id: accountId }, { $unset: { email: '' } });
    const run = await runAccounts(['migrate'], mongo.uri);
    expect(run.code).toBe(0);
    expect(run.stdout[1]).toMatch(
      new RegExp(
        `^identity [0-9a-f]{24} \\(account ${String(accountId)}\\): no membership, the account has no legacy e-mail address$`,
      ),
    );
  });
});

describe("npm run accounts with the broker's configuration: running brokers are told of a change", () => {
  let mongo: TestMongo;
  let redis: TestRedis;
  let configFile: string;
  let changes: DirectoryChanges;
  beforeAll(async () => {
    mongo = await openTestMongo();
    redis = await openTestRedis();
    configFile = join(mkdtempSync(join(tmpdir(), 'ib-accounts-')), 'broker.yaml');
    writeFileSync(
      configFile,
      stringify(baseConfigDocument({ redis: { url: REDIS_URL, keyPrefix: redis.keyPrefix }, accountCacheTtl: '7s' })),
    );
    // A running broker process, as far as notices go: subscribed to the deployment's channel.
    changes = await directoryChangesOver(redis.redis.duplicate(), { logger: silentLogger, keyPrefix: redis.keyPrefix });
  });
  afterAll(async () => {
    await changes.close();
    await redis.dispose();
    await mongo.dispose();
  });

  it("announces an import over the broker's Redis, so that the next sign-in sees it at once", async () => {
    let heard = 0;
    changes.onChange(() => (heard += 1));
    const run = await runAccounts(['import', fixture('valid.csv')], mongo.uri, { BROKER_CONFIG: configFile });
    expect(run).toEqual({
      code: 0,
      stdout: [summary([3, 0, 0], [4, 0, 0, 0], 0), 'running brokers told of the change (1 listening)'],
      stderr: [],
    });
    while (heard === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // Nothing changed: nothing to announce.
    const again = await runAccounts(['import', fixture('valid.csv')], mongo.uri, { BROKER_CONFIG: configFile });
    expect(again.stdout).toEqual([summary([0, 0, 3], [0, 0, 4, 0], 0), 'nothing changed']);
  });

  it('says so, with the bound, when Redis does not answer', async () => {
    const run = await runAccounts(['import', '--prune', fixture('anna-left.csv')], mongo.uri, {
      BROKER_CONFIG: configFile,
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(run.code).toBe(0);
    expect(run.stdout[1]).toMatch(
      /^running brokers not told \(Redis: .+\): they see the change within 7 s \(accountCacheTtl\)$/,
    );
  });
});

describe('npm run accounts with webhooks configured: the customer system hears of every account the import changed', () => {
  let mongo: TestMongo;
  let redis: TestRedis;
  let configFile: string;
  beforeAll(async () => {
    mongo = await openTestMongo();
    redis = await openTestRedis();
    configFile = join(mkdtempSync(join(tmpdir(), 'ib-accounts-')), 'broker.yaml');
    const webhooks = [
      { url: 'https://crm.example.com/hooks', secret: newWebhookSecret(), events: ['account.changed'] },
      { url: 'https://other.example.com/hooks', secret: newWebhookSecret(), events: ['membership.added'] },
    ];
    const document = baseConfigDocument({ redis: { url: REDIS_URL, keyPrefix: redis.keyPrefix }, webhooks });
    writeFileSync(configFile, stringify(document));
  });
  afterAll(async () => {
    await redis.dispose();
    await mongo.dispose();
  });

  /** The `account.changed` deliveries stored so far, oldest first, as the receiver will get their `data`. */
  const stored = async () =>
    (await webhookDeliveryModel(mongo.connection).find().sort({ createdAt: 1, _id: 1 }).lean().exec()).map(
      (delivery) => ({ url: delivery.url, ...(JSON.parse(delivery.body) as { type: string; data: unknown }) }),
    );

  it('stores account.changed for each created or changed account, naming fields and contacts, and none for a rerun', async () => {
    const first = await runAccounts(['import', fixture('valid.csv')], mongo.uri, { BROKER_CONFIG: configFile });
    expect(first.code).toBe(0);
    const created = await stored();
    const anna = (await accountModel(mongo.connection).findOne({ customerNumber: 'C-2001' }).lean().exec())!;
    const annasContacts = await contactModel(mongo.connection).find({ accountId: anna._id }).lean().exec();
    expect(created).toHaveLength(3);
    expect(created.every((d) => d.url === 'https://crm.example.com/hooks' && d.type === 'account.changed')).toBe(true);
    expect(created.find((d) => (d.data as { customerNumber: string }).customerNumber === 'C-2001')?.data).toEqual({
      accountId: anna._id.toHexString(),
      customerNumber: 'C-2001',
      change: 'created',
      fields: ['name', 'status', 'plans', 'contacts'],
      contactIds: expect.arrayContaining(annasContacts.map((c) => c._id.toHexString())),
      actor: { type: 'import', id: 'valid.csv' },
    });

    await runAccounts(['import', fixture('valid.csv')], mongo.uri, { BROKER_CONFIG: configFile });
    expect(await stored()).toHaveLength(3);

    // Anna leaves: pruned, her contact is disabled, and only that is said.
    await runAccounts(['import', '--prune', fixture('anna-left.csv')], mongo.uri, { BROKER_CONFIG: configFile });
    const annasContact = annasContacts.find((c) => c.email === 'anna.mueller@example.com')!;
    expect((await stored()).slice(3).map((d) => d.data)).toEqual([
      {
        accountId: anna._id.toHexString(),
        customerNumber: 'C-2001',
        change: 'updated',
        fields: ['contacts'],
        contactIds: [annasContact._id.toHexString()],
        actor: { type: 'import', id: 'anna-left.csv' },
      },
    ]);
  });
});
