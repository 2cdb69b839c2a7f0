import { TestBrowser, formsOf, headingOf } from '../support/browser.ts';
import type { TestPortal } from '../support/portal.ts';
import { loginUpstream } from '../support/portal.ts';
import { demoUser, TEST_CLIENTS, type Stack } from '../support/stack.ts';
import { startMailingStack, type MailingStack } from '../support/mailing-stack.ts';

const carol = demoUser('carol');
const bob = demoUser('bob');
const REGISTERED = 'office@carol-and-co.example';
const HOME = 'http://127.0.0.1:9/customersource/';

describe('a link confirmed with a different sign-in', () => {
  let stack: Stack;
  let portal: TestPortal;

  let mailing: MailingStack;

  beforeAll(async () => {
    mailing = await startMailingStack({ clients: TEST_CLIENTS.map((c) => ({ ...c, homeUrl: HOME })) });
    ({ stack, portal } = mailing);
    await stack.seedAccount({ name: 'Carol & Co', email: REGISTERED, customerNumber: '100003' });
  });
  afterAll(() => mailing.close());

  it('names the portal and offers the way back to it', async () => {
    const browser = new TestBrowser();
    const link = await mailing.requestLink(browser, carol, REGISTERED);

    const other = new TestBrowser();
    const page = await other.navigate(link);
    const form = formsOf(page.html).find((f) => f.action === '/link/confirm');
    const upstreamLogin = await other.navigate(new URL('/link/confirm', page.url).href, { form: form?.fields ?? {} });
    const refused = await loginUpstream(other, upstreamLogin, bob, portal.redirectUri);
    expect(refused.status).toBe(403);
    expect(headingOf(refused.html)).toBe('This is a different sign-in');
    expect(refused.html).toContain('<header class="portal"><p>CustomerSource</p></header>');
    expect(refused.html).toContain(`<a class="button" href="${HOME}">Back to CustomerSource</a>`);
  });
});
