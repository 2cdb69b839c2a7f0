import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { accountModel } from '../../src/accounts/account-model.ts';
import { openTestMongo, type TestMongo } from '../support/stores.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) => `test/fixtures/accounts/${name}`;

interface Run {
  code: number | null;
  stdout: string[];
  stderr: string[];
}

/** Runs `npm run accounts -- ARGS` the way npm does (Node 24 from node_modules, here jest's own process). */
function runAccounts(args: string[], mongodbUri: string): Promise<Run> {
  // A configuration file that does not exist: the command falls back to MONGODB_URI alone.
  const env = { ...process.env, MONGODB_URI: mongodbUri, BROKER_CONFIG: 'test/fixtures/accounts/no-such-config.yaml' };
  const options = { cwd: root, env, timeout: 20_000 };
  const lines = (text: string) => text.split('\n').filter((line) => line !== '');
  return new Promise((resolve) => {
    execFile(process.execPath, ['scripts/accounts.ts', ...args], options, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code as number | null) : 0, stdout: lines(stdout), stderr: lines(stderr) });
    });
  });
}

describe('npm run accounts -- import FILE', () => {
  let mongo: TestMongo;
  beforeEach(async () => {
    mongo = await openTestMongo();
  });
  afterEach(() => mongo.dispose());

  it('imports a valid file, prints the summary and exits 0; a second run changes nothing', async () => {
    expect(await runAccounts(['import', fixture('valid.csv')], mongo.uri)).toEqual({
      code: 0,
      stdout: ['created 3, updated 0, unchanged 0, rejected 0'],
      stderr: [],
    });
    expect(await runAccounts(['import', fixture('valid.csv')], mongo.uri)).toMatchObject({
      code: 0,
      stdout: ['created 0, updated 0, unchanged 3, rejected 0'],
    });
    expect(await accountModel(mongo.connection).countDocuments()).toBe(3);
  });

  it('imports the valid rows of a file with bad ones, lists each rejection on stderr and exits non-zero', async () => {
    const run = await runAccounts(['import', fixture('bad-rows.csv')], mongo.uri);
    expect(run.code).toBe(1);
    expect(run.stdout).toEqual(['created 2, updated 0, unchanged 0, rejected 7']);
    expect(run.stderr).toHaveLength(7);
    expect(run.stderr).toContain('line 4: email: must be an e-mail address');
    expect(run.stderr[0]).toBe('line 3: customerNumber: must not be empty');
    expect(await accountModel(mongo.connection).countDocuments()).toBe(2);
  });

  it('imports JSON chosen by the file extension', async () => {
    const run = await runAccounts(['import', fixture('valid.json')], mongo.uri);
    expect(run).toMatchObject({ code: 0, stdout: ['created 3, updated 0, unchanged 0, rejected 0'] });
  });

  it('exits 2 with the usage line on bad arguments', async () => {
    const badArguments = [[], ['import'], ['export', 'a.csv'], ['import', 'a.txt'], ['import', 'a.csv', 'b.csv']];
    for (const args of badArguments) {
      const run = await runAccounts(args, mongo.uri);
      expect(run.code).toBe(2);
      expect(run.stderr).toEqual([expect.stringMatching(/^usage: npm run accounts -- import FILE/)]);
    }
  });

  it('reports an unreadable file in one line and exits 1', async () => {
    const run = await runAccounts(['import', fixture('missing.csv')], mongo.uri);
    expect(run.code).toBe(1);
    expect(run.stdout).toEqual([]);
    expect(run.stderr).toEqual([expect.stringMatching(/^cannot read test\/fixtures\/accounts\/missing\.csv: ENOENT/)]);
  });
});
