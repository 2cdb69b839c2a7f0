import { readFileSync } from 'node:fs';
import { accountModel } from '../../src/accounts/account-model.ts';
import { AccountFileError, importAccounts, parseAccountRows } from '../../src/accounts/account-import.ts';
import { AccountStore } from '../../src/accounts/account-store.ts';
import { openTestMongo, silentLogger, type TestMongo } from '../support/stores.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/accounts/${name}`, import.meta.url), 'utf8');
const reasons = (text: string, format: 'json' | 'csv') =>
  parseAccountRows(text, format).map(({ line, reason }) => `line ${line}: ${reason ?? 'ok'}`);
const BAD_DATE = 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time with a time zone';

describe('parseAccountRows', () => {
  it('reads a plan date as its last day, inclusive, and a date-time as given', () => {
    const plans = 'support=2027-06-30;enhancement=2027-01-01T09:30:00+01:00';
    const [row] = parseAccountRows(`customerNumber,name,email,plans\nC-1,Ada,ada@example.com,${plans}\n`, 'csv');
    expect(row?.input?.plans).toEqual([
      { type: 'support', expiresAt: new Date('2027-07-01T00:00:00Z') },
      { type: 'enhancement', expiresAt: new Date('2027-01-01T08:30:00Z') },
    ]);
  });

  it('numbers CSV rows by physical line, across quoted line breaks, blank lines and CRLF endings', () => {
    const text = [
      'customerNumber,name,email,plans',
      'C-1,"Ada',
      'Lovelace",ada@example.com,',
      '',
      'C-2,Grace,not-an-address,',
      'C-3,"Edsger ""EWD""",edsger@example.com,support=2027-06-31',
    ].join('\r\n');
    expect(reasons(text, 'csv')).toEqual([
      'line 2: ok',
      'line 5: email: must be an e-mail address',
      `line 6: plans[0].expiresAt: ${BAD_DATE}`,
    ]);
  });

  it('accepts the CSV columns in any order and an optional status column', () => {
    const rows = parseAccountRows('email,plans,status,name,customerNumber\nada@example.com,,disabled,Ada,C-1\n', 'csv');
    const input = { customerNumber: 'C-1', name: 'Ada', email: 'ada@example.com', plans: [], status: 'disabled' };
    expect(rows).toEqual([{ line: 2, input }]);
  });

  it('rejects a plans cell whose entries are not type=date', () => {
    const text = 'customerNumber,name,email,plans\nC-1,Ada,ada@example.com,support;enhancement=2027-01-01\n';
    expect(reasons(text, 'csv')).toEqual(['line 2: plans: "support" must be written type=YYYY-MM-DD']);
  });

  it('rejects a whole CSV file whose header is not the expected one', () => {
    const misspelt = 'customerNumber,name,e-mail,plans\nC-1,Ada,ada@example.com,\n';
    expect(() => parseAccountRows(misspelt, 'csv')).toThrow(
      new AccountFileError(
        'header: missing column email; unknown column "e-mail" (expected customerNumber,name,email,plans)',
      ),
    );
    expect(() => parseAccountRows('', 'csv')).toThrow(AccountFileError);
  });

  it('rejects a whole JSON file that is not an array of accounts', () => {
    expect(() => parseAccountRows('{"customerNumber": "C-1"}', 'json')).toThrow('must be a JSON array of accounts');
    expect(() => parseAccountRows('[{"customerNumber": ', 'json')).toThrow(/^not valid JSON/);
  });

  it('numbers JSON rows by the line where each element starts', () => {
    expect(reasons(fixture('bad-rows.json'), 'json')).toEqual([
      'line 2: ok',
      `line 3: name: must not be empty; email: must be an e-mail address; plans[0].expiresAt: ${BAD_DATE}`,
      'line 9: plans: is required; plan: unknown field',
      'line 10: must be an object {customerNumber, name, email, plans}',
      'line 11: ok',
    ]);
  });

  it('numbers the elements of a single-line JSON array one after the other', () => {
    const text = '[{"customerNumber":"C-1","name":"Ada","email":"a@example.com","plans":[]}, {"name": "x,[]{}\\"}"}]';
    expect(reasons(text, 'json')).toEqual([
      'line 1: ok',
      'line 1: customerNumber: is required; email: is required; plans: is required',
    ]);
  });
});

describe('importAccounts', () => {
  let mongo: TestMongo;
  let store: AccountStore;

  beforeEach(async () => {
    mongo = await openTestMongo();
    store = new AccountStore(mongo.connection);
    await store.ensureIndexes(silentLogger);
  });
  afterEach(() => mongo.dispose());

  const accounts = () => accountModel(mongo.connection);

  it('imports every account of a valid JSON file', async () => {
    const report = await importAccounts(store, fixture('valid.json'), 'json');
    expect(report).toEqual({ created: 3, updated: 0, unchanged: 0, rejected: [] });
    expect(await store.findAccountByEmail('ada.lovelace@example.com')).toMatchObject({
      customerNumber: 'C-1001',
      name: 'Ada Lovelace',
      status: 'active',
      plans: [
        { type: 'support', expiresAt: new Date('2031-07-01T00:00:00Z') },
        { type: 'enhancement', expiresAt: new Date('2030-12-31T12:00:00Z') },
      ],
    });
    const edsger = await store.findAccountByEmail('edsger@example.com');
    expect(edsger).toMatchObject({ customerNumber: '1003', status: 'disabled' });
  });

  it('imports every account of a valid CSV file', async () => {
    const report = await importAccounts(store, fixture('valid.csv'), 'csv');
    expect(report).toEqual({ created: 3, updated: 0, unchanged: 0, rejected: [] });
    expect(await store.findAccountByEmail('anna.mueller@example.com')).toMatchObject({
      customerNumber: 'C-2001',
      name: 'Müller, Anna',
      plans: [
        { type: 'support', expiresAt: new Date('2031-07-01T00:00:00Z') },
        { type: 'enhancement', expiresAt: new Date('2031-01-01T00:00:00Z') },
      ],
    });
    expect(await store.findAccountByEmail('alan@example.com')).toMatchObject({ plans: [] });
    expect((await store.findAccountByEmail('barbara@example.com'))?.name).toBe('Barbara "Babs" Liskov');
  });

  it('reports bad rows with their line and reason and imports the valid ones', async () => {
    const report = await importAccounts(store, fixture('bad-rows.csv'), 'csv');
    expect(report).toEqual({
      created: 2,
      updated: 0,
      unchanged: 0,
      rejected: [
        { line: 3, reason: 'customerNumber: must not be empty' },
        { line: 4, reason: 'email: must be an e-mail address' },
        { line: 5, reason: `plans[0].expiresAt: ${BAD_DATE}` },
        { line: 7, reason: 'customerNumber: C-3006 appears on more than one line (7, 9)' },
        { line: 8, reason: 'plans: "support" must be written type=YYYY-MM-DD' },
        { line: 9, reason: 'customerNumber: C-3006 appears on more than one line (7, 9)' },
        { line: 10, reason: 'expected 4 fields, found 5' },
      ],
    });
    const imported = await accounts().find().sort({ customerNumber: 1 }).lean();
    expect(imported.map((account) => account.customerNumber)).toEqual(['C-3001', 'C-3005']);
  });

  it('creates no duplicates on re-import: the second run finds everything unchanged', async () => {
    await importAccounts(store, fixture('valid.csv'), 'csv');
    await importAccounts(store, fixture('valid.json'), 'json');
    const before = await accounts().countDocuments();
    expect(before).toBe(6);

    const allUnchanged = { created: 0, updated: 0, unchanged: 3, rejected: [] };
    expect(await importAccounts(store, fixture('valid.csv'), 'csv')).toEqual(allUnchanged);
    expect(await importAccounts(store, fixture('valid.json'), 'json')).toEqual(allUnchanged);
    expect(await accounts().countDocuments()).toBe(before);
  });

  it('updates an account whose row changed, by customer number', async () => {
    await importAccounts(store, fixture('valid.csv'), 'csv');
    const changed =
      'customerNumber,name,email,plans\nC-2002,Alan M. Turing,Alan.Turing@example.com,support=2032-01-31\n';
    expect(await importAccounts(store, changed, 'csv')).toEqual({ created: 0, updated: 1, unchanged: 0, rejected: [] });
    expect(await accounts().countDocuments({ customerNumber: 'C-2002' })).toBe(1);
    expect(await store.findAccountByEmail('alan.turing@example.com')).toMatchObject({
      name: 'Alan M. Turing',
      plans: [{ type: 'support', expiresAt: new Date('2032-02-01T00:00:00Z') }],
    });
    expect(await store.findAccountByEmail('alan@example.com')).toBeNull();
  });
});
