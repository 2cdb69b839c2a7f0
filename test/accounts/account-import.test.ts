import { readFileSync } from 'node:fs';
import { accountModel } from '../../src/accounts/account-model.ts';
import { AccountFileError, importAccounts, parseAccountFile } from '../../src/accounts/account-import.ts';
import { PeopleStore } from '../../src/accounts/people-store.ts';
import type { AccountStore } from '../../src/accounts/account-store.ts';
import { contactModel } from '../../src/accounts/contact-model.ts';
import { openTestMongo, silentLogger, type TestMongo } from '../support/stores.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/accounts/${name}`, import.meta.url), 'utf8');
const reasons = (text: string, format: 'json' | 'csv') => {
  const { accounts, rejected } = parseAccountFile(text, format);
  const lines = [
    ...accounts.flatMap(({ lines: accepted }) => accepted.map((line) => ({ line, reason: 'ok' }))),
    ...rejected,
  ];
  return lines.sort((a, b) => a.line - b.line).map(({ line, reason }) => `line ${line}: ${reason}`);
};
const BAD_DATE = 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time with a time zone';
const HEADER = 'customerNumber,name,plans,email,contactName';

describe('parseAccountFile', () => {
  it('reads a plan date as its last day, inclusive, and a date-time as given', () => {
    const plans = 'support=2027-06-30;enhancement=2027-01-01T09:30:00+01:00';
    const { accounts } = parseAccountFile(`${HEADER}\nC-1,Ada,${plans},ada@example.com,\n`, 'csv');
    expect(accounts[0]?.input.plans).toEqual([
      { type: 'support', expiresAt: new Date('2027-07-01T00:00:00Z') },
      { type: 'enhancement', expiresAt: new Date('2027-01-01T08:30:00Z') },
    ]);
  });

  it('makes one account of the CSV rows of one customer number, one contact per row', () => {
    expect(parseAccountFile(fixture('valid.csv'), 'csv').accounts[0]).toEqual({
      lines: [2, 5],
      input: {
        customerNumber: 'C-2001',
        name: 'Müller, Anna GmbH',
        plans: [
          { type: 'support', expiresAt: new Date('2031-07-01T00:00:00Z') },
          { type: 'enhancement', expiresAt: new Date('2031-01-01T00:00:00Z') },
        ],
        contacts: [
          { email: 'anna.mueller@example.com', name: 'Anna Müller' },
          { email: 'klaus@example.com', name: 'Bauer, Klaus' },
        ],
      },
    });
  });

  it('numbers CSV rows by physical line, across quoted line breaks, blank lines and CRLF endings', () => {
    const text = [
      HEADER,
      'C-1,"Ada',
      'Lovelace",,ada@example.com,',
      '',
      'C-2,Grace,,not-an-address,',
      'C-3,"Edsger ""EWD""",support=2027-06-31,edsger@example.com,',
    ].join('\r\n');
    expect(reasons(text, 'csv')).toEqual([
      'line 2: ok',
      'line 5: email: must be an e-mail address',
      `line 6: plans[0].expiresAt: ${BAD_DATE}`,
    ]);
  });

  it('accepts the CSV columns in any order, and contactName and status as optional columns', () => {
    const { accounts } = parseAccountFile(
      'email,plans,status,name,customerNumber\nada@example.com,,disabled,Ada,C-1\n',
      'csv',
    );
    const input = {
      customerNumber: 'C-1',
      name: 'Ada',
      plans: [],
      status: 'disabled',
      contacts: [{ email: 'ada@example.com', name: null }],
    };
    expect(accounts).toEqual([{ lines: [2], input }]);
  });

  it('rejects every row of a customer number whose rows disagree on the account, naming the lines', () => {
    const text = [
      HEADER,
      'C-1,Contoso,support=2031-06-30,ada@example.com,Ada',
      'C-2,Fabrikam,,grace@example.com,Grace',
      'C-1,Contoso Ltd,support=2031-12-31,bob@example.com,Bob',
    ].join('\n');
    const disagree = 'customerNumber C-1: lines 2, 4 must agree on the account but differ in name, plans';
    expect(reasons(text, 'csv')).toEqual([`line 2: ${disagree}`, 'line 3: ok', `line 4: ${disagree}`]);
  });

  it('holds back every row of a customer number when one of its rows is rejected', () => {
    expect(reasons(fixture('bad-rows.csv'), 'csv')).toEqual([
      'line 2: ok',
      'line 3: customerNumber: must not be empty',
      'line 4: email: must be an e-mail address',
      `line 5: plans[0].expiresAt: ${BAD_DATE}`,
      'line 6: ok',
      'line 7: customerNumber C-3006: lines 7, 9 must agree on the account but differ in name',
      'line 8: plans: "support" must be written type=YYYY-MM-DD',
      'line 9: customerNumber C-3006: lines 7, 9 must agree on the account but differ in name',
      'line 10: expected 5 fields, found 6',
      'line 11: ok',
      'line 12: customerNumber C-3010: not imported because line 13 was rejected',
      'line 13: email: must be an e-mail address',
      'line 14: customerNumber C-3011: same@example.com appears on lines 14, 15',
      'line 15: customerNumber C-3011: same@example.com appears on lines 14, 15',
    ]);
  });

  it('rejects a plans cell whose entries are not type=date', () => {
    const text = `${HEADER}\nC-1,Ada,support;enhancement=2027-01-01,ada@example.com,\n`;
    expect(reasons(text, 'csv')).toEqual(['line 2: plans: "support" must be written type=YYYY-MM-DD']);
  });

  it('rejects a whole CSV file whose header is not the expected one', () => {
    const misspelt = 'customerNumber,name,plans,e-mail\nC-1,Ada,,ada@example.com\n';
    expect(() => parseAccountFile(misspelt, 'csv')).toThrow(
      new AccountFileError(
        'header: missing column email; unknown column "e-mail" (expected customerNumber,name,plans,email)',
      ),
    );
    expect(() => parseAccountFile('', 'csv')).toThrow(AccountFileError);
  });

  it('rejects a whole JSON file that is not an array of accounts', () => {
    expect(() => parseAccountFile('{"customerNumber": "C-1"}', 'json')).toThrow('must be a JSON array of accounts');
    expect(() => parseAccountFile('[{"customerNumber": ', 'json')).toThrow(/^not valid JSON/);
  });

  it('reads a bare JSON email as one contact', () => {
    const { accounts } = parseAccountFile(
      '[{"customerNumber":"C-1","name":"Ada","email":" Ada@Example.com","plans":[]}]',
      'json',
    );
    expect(accounts[0]?.input.contacts).toEqual([{ email: 'ada@example.com', name: null }]);
  });

  it('numbers JSON rows by the line where each element starts, and says what is wrong with each', () => {
    expect(reasons(fixture('bad-rows.json'), 'json')).toEqual([
      'line 2: customerNumber: C-4001 appears on more than one line (2, 15)',
      `line 3: name: must not be empty; plans[0].expiresAt: ${BAD_DATE}; contacts[0].email: must be an e-mail address; contacts[1].name: must be text`,
      'line 9: plans: is required; plan: unknown field',
      'line 10: must be an object {customerNumber, name, plans, contacts}',
      'line 11: ok',
      'line 12: email: give either email or contacts, not both',
      'line 13: contacts: must list at least one contact',
      'line 14: contacts[1].email: b@example.com is listed twice',
      'line 15: customerNumber: C-4001 appears on more than one line (2, 15)',
    ]);
  });

  it('numbers the elements of a single-line JSON array one after the other', () => {
    const text = '[{"customerNumber":"C-1","name":"Ada","email":"a@example.com","plans":[]}, {"name": "x,[]{}\\"}"}]';
    expect(reasons(text, 'json')).toEqual([
      'line 1: ok',
      'line 1: customerNumber: is required; plans: is required; contacts: is required',
    ]);
  });
});

describe('importAccounts', () => {
  let mongo: TestMongo;
  let store: AccountStore;

  beforeEach(async () => {
    mongo = await openTestMongo();
    store = new PeopleStore(mongo.connection).accountImport();
    await store.ensureIndexes(silentLogger);
  });
  afterEach(() => mongo.dispose());

  const findAccount = (customerNumber: string) => accountModel(mongo.connection).findOne({ customerNumber }).lean();
  /** The contacts of an account as `email name status`, sorted, for comparisons that read like the file. */
  async function contactsOf(customerNumber: string): Promise<string[]> {
    const account = await findAccount(customerNumber);
    const contacts = await contactModel(mongo.connection).find({ accountId: account?._id }).lean();
    return contacts.map(({ email, name, status }) => `${email} ${name ?? '-'} ${status}`).sort();
  }
  const nothingChanged = (accounts: number, contacts: number) => ({
    accounts: { created: 0, updated: 0, unchanged: accounts },
    contacts: { added: 0, updated: 0, unchanged: contacts, disabled: 0 },
    rejected: [],
  });

  it('imports every account of a valid JSON file with its contacts, a bare email as one contact', async () => {
    expect(await importAccounts(store, fixture('valid.json'), 'json')).toEqual({
      accounts: { created: 3, updated: 0, unchanged: 0 },
      contacts: { added: 4, updated: 0, unchanged: 0, disabled: 0 },
      rejected: [],
    });
    const ada = await findAccount('C-1001');
    expect(ada).toMatchObject({
      name: 'Ada Lovelace Ltd',
      status: 'active',
      plans: [
        { type: 'support', expiresAt: new Date('2031-07-01T00:00:00Z') },
        { type: 'enhancement', expiresAt: new Date('2030-12-31T12:00:00Z') },
      ],
    });
    // The first model's single address is never written any more (at most the schema's null): contacts hold them.
    expect(ada?.email ?? null).toBeNull();
    expect(await contactsOf('C-1001')).toEqual([
      'ada.lovelace@example.com Ada Lovelace active',
      'charles@example.com - active',
    ]);
    expect(await contactsOf('C-1002')).toEqual(['grace@example.com - active']);
    expect(await findAccount('1003')).toMatchObject({ status: 'disabled' });
    expect(await contactsOf('1003')).toEqual(['edsger@example.com Edsger W. Dijkstra active']);
  });

  it('imports a CSV file with one row per contact', async () => {
    expect(await importAccounts(store, fixture('valid.csv'), 'csv')).toEqual({
      accounts: { created: 3, updated: 0, unchanged: 0 },
      contacts: { added: 4, updated: 0, unchanged: 0, disabled: 0 },
      rejected: [],
    });
    expect(await contactsOf('C-2001')).toEqual([
      'anna.mueller@example.com Anna Müller active',
      'klaus@example.com Bauer, Klaus active',
    ]);
    expect(await findAccount('C-2002')).toMatchObject({ name: 'Alan Turing', plans: [] });
    expect(await contactsOf('C-2002')).toEqual(['alan@example.com - active']);
    expect((await findAccount('C-2003'))?.name).toBe('Barbara "Babs" Liskov');
  });

  it('reports bad rows with their line and reason and imports only the accounts whose rows are all valid', async () => {
    const report = await importAccounts(store, fixture('bad-rows.csv'), 'csv');
    expect(report.accounts).toEqual({ created: 2, updated: 0, unchanged: 0 });
    expect(report.contacts).toEqual({ added: 3, updated: 0, unchanged: 0, disabled: 0 });
    expect(report.rejected.map(({ line }) => line)).toEqual([3, 4, 5, 7, 8, 9, 10, 12, 13, 14, 15]);
    expect(report.rejected).toContainEqual({
      line: 7,
      reason: 'customerNumber C-3006: lines 7, 9 must agree on the account but differ in name',
    });
    const imported = await accountModel(mongo.connection).find().sort({ customerNumber: 1 }).lean();
    expect(imported.map((account) => account.customerNumber)).toEqual(['C-3001', 'C-3005']);
    expect(await contactsOf('C-3005')).toEqual(['admiral@example.com - active', 'grace@example.com Grace active']);
  });

  it('changes nothing on a second run of the same file, and says so', async () => {
    await importAccounts(store, fixture('valid.csv'), 'csv');
    await importAccounts(store, fixture('valid.json'), 'json');
    const before = {
      accounts: await accountModel(mongo.connection).countDocuments(),
      contacts: await contactModel(mongo.connection).countDocuments(),
    };
    expect(before).toEqual({ accounts: 6, contacts: 8 });

    expect(await importAccounts(store, fixture('valid.csv'), 'csv')).toEqual(nothingChanged(3, 4));
    expect(await importAccounts(store, fixture('valid.json'), 'json', { prune: true })).toEqual(nothingChanged(3, 4));
    expect({
      accounts: await accountModel(mongo.connection).countDocuments(),
      contacts: await contactModel(mongo.connection).countDocuments(),
    }).toEqual(before);
  });

  it('updates an account and its contacts by customer number and address, leaving unlisted contacts alone', async () => {
    await importAccounts(store, fixture('valid.csv'), 'csv');
    const changed = `${HEADER}\nC-2002,Alan M. Turing,support=2032-01-31,Alan@Example.com,Alan\nC-2002,Alan M. Turing,support=2032-01-31,joan@example.com,Joan Clarke\n`;
    expect(await importAccounts(store, changed, 'csv')).toEqual({
      accounts: { created: 0, updated: 1, unchanged: 0 },
      contacts: { added: 1, updated: 1, unchanged: 0, disabled: 0 },
      rejected: [],
    });
    expect(await accountModel(mongo.connection).countDocuments({ customerNumber: 'C-2002' })).toBe(1);
    expect(await findAccount('C-2002')).toMatchObject({
      name: 'Alan M. Turing',
      plans: [{ type: 'support', expiresAt: new Date('2032-02-01T00:00:00Z') }],
    });
    expect(await contactsOf('C-2002')).toEqual(['alan@example.com Alan active', 'joan@example.com Joan Clarke active']);

    // Without --prune a file that lists only some contacts leaves the others as they are.
    await importAccounts(
      store,
      `${HEADER}\nC-2002,Alan M. Turing,support=2032-01-31,joan@example.com,Joan Clarke\n`,
      'csv',
    );
    expect(await contactsOf('C-2002')).toEqual(['alan@example.com Alan active', 'joan@example.com Joan Clarke active']);
  });

  it('with --prune disables the contacts the file leaves out, and a later import that lists one enables it again', async () => {
    await importAccounts(store, fixture('valid.csv'), 'csv');
    const onlyKlaus = `${HEADER}\nC-2001,"Müller, Anna GmbH",support=2031-06-30;enhancement=2030-12-31,klaus@example.com,"Bauer, Klaus"\n`;
    expect(await importAccounts(store, onlyKlaus, 'csv', { prune: true })).toEqual({
      accounts: { created: 0, updated: 0, unchanged: 1 },
      contacts: { added: 0, updated: 0, unchanged: 1, disabled: 1 },
      rejected: [],
    });
    expect(await contactsOf('C-2001')).toEqual([
      'anna.mueller@example.com Anna Müller disabled',
      'klaus@example.com Bauer, Klaus active',
    ]);
    // Accounts the file does not name are not pruned.
    expect(await contactsOf('C-2002')).toEqual(['alan@example.com - active']);
    // Pruning again disables nothing more; the disabled contact stays, ready to be enabled again.
    expect((await importAccounts(store, onlyKlaus, 'csv', { prune: true })).contacts.disabled).toBe(0);

    expect(await importAccounts(store, fixture('valid.csv'), 'csv', { prune: true })).toEqual({
      accounts: { created: 0, updated: 0, unchanged: 3 },
      contacts: { added: 0, updated: 1, unchanged: 3, disabled: 0 },
      rejected: [],
    });
    expect(await contactsOf('C-2001')).toEqual([
      'anna.mueller@example.com Anna Müller active',
      'klaus@example.com Bauer, Klaus active',
    ]);
  });

  it('prunes nothing of an account whose rows were rejected', async () => {
    await importAccounts(store, fixture('valid.csv'), 'csv');
    const disagreeing = `${HEADER}\nC-2001,Anna,,klaus@example.com,\nC-2001,Someone else,,klaus2@example.com,\n`;
    const report = await importAccounts(store, disagreeing, 'csv', { prune: true });
    expect(report.rejected).toHaveLength(2);
    expect(report.contacts.disabled).toBe(0);
    expect(await contactsOf('C-2001')).toEqual([
      'anna.mueller@example.com Anna Müller active',
      'klaus@example.com Bauer, Klaus active',
    ]);
  });
});
