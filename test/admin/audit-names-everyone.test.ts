import { ADMIN_OPERATIONS } from '../../src/admin/api/admin-operations.ts';
import { TestBrowser } from '../support/browser.ts';
import { TestPortal, signIn } from '../support/portal.ts';
import { demoUser, startStack, type Stack } from '../support/stack.ts';
import { ADMIN_CLIENT, ADMIN_CONFIG, accessToken, adminApi } from './support/admin-client.ts';

// Every change staff make names who made it and what it touched, so an account's and a person's trail show all of
// them. The operations walked here are the ones that touch accounts and people; the others are audited in the
// files named below, next to their own stories.

const CHECKED_ELSEWHERE: Record<string, string> = {
  resendAssociation: 'admin-api-support-cases.test.ts',
  retryMail: 'admin-api-outbox.test.ts',
  resolveSupportRequest: 'test/support-requests/ask-support.test.ts',
  replayWebhookDelivery: 'test/events/broker-events.test.ts',
};

const carol = demoUser('carol');
const bob = demoUser('bob');

describe('the audit names everyone a change touched', () => {
  let stack: Stack;
  let admin: string;

  beforeAll(async () => {
    stack = await startStack({ admin: ADMIN_CONFIG, accountCacheTtl: '0s' });
    admin = await accessToken(stack, ADMIN_CLIENT);
  });
  afterAll(() => stack.close());

  const call = async (method: string, path: string, body?: unknown) => {
    const answer = await adminApi(stack, admin, method, path, body);
    expect([method, path, answer.status < 300]).toEqual([method, path, true]);
    return answer.body;
  };
  const trail = async (query: string) =>
    (await call('GET', `/audit?${query}`)).events as Array<{ type: string; actor: string; personId: string | null }>;

  it('walks every changing operation: actor, account, person and sign-in on each entry', async () => {
    const walked: string[] = [];
    const account = await call('POST', '/accounts', { customerNumber: 'A-1', name: 'Audit Ltd' });
    walked.push('createAccount');
    await call('PATCH', `/accounts/${account.id}`, { name: 'Audit Limited' });
    walked.push('changeAccount');
    const contact = await call('POST', `/accounts/${account.id}/contacts`, { email: 'carol@audit.example' });
    walked.push('addContact');
    await call('PATCH', `/contacts/${contact.id}`, { name: 'Carol' });
    walked.push('changeContact');
    const linked = await call('POST', `/contacts/${contact.id}/sign-ins`, { upstreamId: 'demo', subject: carol.sub });
    walked.push('linkSignIn');
    const person = await call('GET', `/people/${linked.personId}`);
    // Changed once someone acts as it: the person's trail shows it too.
    await call('PATCH', `/contacts/${contact.id}`, { name: 'Carol C.' });

    // Bob asks to be associated with the same address; support cancels his pending association.
    const browser = new TestBrowser();
    const portal = await TestPortal.discover(stack);
    const { callback } = await signIn(browser, portal, bob);
    await browser.submit(callback, '/associate', { email: 'carol@audit.example' }, portal.redirectUri);
    const [pending] = (await call('GET', `/associations?upstreamId=demo&subject=${bob.sub}`)).associations;
    await call('POST', `/associations/${pending.id}/cancel`);
    walked.push('cancelAssociation');

    await call('DELETE', `/sign-ins/${person.signIns[0].id}`);
    walked.push('removeSignIn');
    await call('DELETE', `/memberships/${person.memberships[0].membershipId}`);
    walked.push('removeMembership');

    const changing = ADMIN_OPERATIONS.filter((op) => op.method !== 'get').map((op) => op.operationId);
    expect(changing.filter((id) => !walked.includes(id) && !CHECKED_ELSEWHERE[id])).toEqual([]);

    const byAccount = (await trail(`accountId=${account.id}`)).filter((e) => e.type.startsWith('admin.'));
    expect(byAccount.map((e) => e.type).sort()).toEqual(
      [
        'admin.account-created',
        'admin.account-changed',
        'admin.contact-added',
        'admin.contact-changed',
        'admin.contact-changed',
        'admin.identity-linked',
        'admin.association-cancelled',
        'admin.identity-removed',
        'admin.membership-removed',
      ].sort(),
    );
    expect(byAccount.every((e) => e.actor === ADMIN_CLIENT.clientId)).toBe(true);
    const byPerson = await trail(`personId=${linked.personId}`);
    expect(byPerson.filter((e) => e.type.startsWith('admin.')).map((e) => [e.type, e.personId])).toEqual(
      expect.arrayContaining([
        ['admin.contact-changed', linked.personId],
        ['admin.identity-linked', linked.personId],
        ['admin.identity-removed', linked.personId],
        ['admin.membership-removed', linked.personId],
      ]),
    );
    const bySignIn = await trail(`actor=${ADMIN_CLIENT.clientId}&type=admin.association-cancelled`);
    expect(bySignIn).toEqual([expect.objectContaining({ subject: bob.sub, upstreamId: 'demo' })]);
  });
});
