import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { recentAudit } from '../support/records.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { ADMIN_CLIENT, ADMIN_CONFIG, SUPPORT_CLIENT } from './support/admin-client.ts';

const run = promisify(execFile);

describe('npm run admin', () => {
  let stack: Stack;
  let accountId: string;

  beforeAll(async () => {
    stack = await startStack({ admin: ADMIN_CONFIG });
    accountId = await stack.seedAccount({
      name: 'Northwind Traders',
      email: 'orders@northwind.example',
      customerNumber: 'C-3003',
    });
  });
  afterAll(() => stack.close());

  /** The command as an operator runs it (asynchronously: the broker answering it runs in this process). */
  async function admin(client: { clientId: string; clientSecret: string }, ...args: string[]) {
    const env = {
      ...process.env,
      ADMIN_CLIENT_ID: client.clientId,
      ADMIN_CLIENT_SECRET: client.clientSecret,
      ADMIN_ISSUER: stack.brokerUrl,
    };
    try {
      const { stdout, stderr } = await run(process.execPath, ['scripts/admin.ts', ...args], { env, encoding: 'utf8' });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  it('finds an account by a contact address and prints it as JSON', async () => {
    const result = await admin(SUPPORT_CLIENT, 'searchAccounts', 'q=Orders@Northwind.example');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      accounts: [expect.objectContaining({ id: accountId, customerNumber: 'C-3003' })],
    });
  });

  it('adds a contact as the admin client, audited with that client, and refuses the support client with exit code 1', async () => {
    const refused = await admin(
      SUPPORT_CLIENT,
      'addContact',
      `accountId=${accountId}`,
      'email=billing@northwind.example',
    );
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr)).toMatchObject({ error: 'ADMIN.FORBIDDEN' });
    const added = await admin(
      ADMIN_CLIENT,
      'addContact',
      `accountId=${accountId}`,
      'email=billing@northwind.example',
      'name=Billing',
    );
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({
      email: 'billing@northwind.example',
      name: 'Billing',
      status: 'active',
    });
    const [event] = await recentAudit(stack.db, { type: 'admin.contact-added' });
    expect(event?.detail).toMatchObject({ actor: ADMIN_CLIENT.clientId });
  });

  it('says what is missing with exit code 2 instead of calling the API', async () => {
    const missing = await admin(ADMIN_CLIENT, 'getAccount');
    expect([missing.code, missing.stderr.trim()]).toEqual([2, 'getAccount needs accountId=…']);
    const unknown = await admin(ADMIN_CLIENT, 'dropEverything');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown operation "dropEverything"');
  });
});
