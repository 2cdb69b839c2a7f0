import { accountModel } from '../../src/accounts/account-model.ts';
import { TestBrowser, headingOf, textContent } from '../support/browser.ts';
import { TestPortal, signIn } from '../support/portal.ts';
import { demoUser, startStack, type Stack } from '../support/stack.ts';

const alice = demoUser('alice');

describe('a sign-in linked to an account support has disabled', () => {
  let stack: Stack;
  let portal: TestPortal;

  beforeAll(async () => {
    stack = await startStack({ accountCacheTtl: '0s' });
    portal = await TestPortal.discover(stack);
  });
  afterAll(() => stack.close());

  it('gets no code and a page that says so and names support', async () => {
    const accountId = await stack.seedLinkedAccount(alice);
    await accountModel(stack.db).updateOne({ _id: accountId }, { $set: { status: 'disabled' } });
    const { callback } = await signIn(new TestBrowser(), portal, alice);
    expect(callback.status).toBe(403);
    expect(callback.url.startsWith(portal.redirectUri)).toBe(false);
    expect(textContent(callback.html)).toContain(
      'The customer account associated with this sign-in is disabled. Please contact help@example.com.',
    );
    expect(headingOf(callback.html)).toBeTruthy();
  });
});
