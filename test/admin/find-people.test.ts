import { TestBrowser } from '../support/browser.ts';
import { TestPortal, signIn } from '../support/portal.ts';
import { TEST_CLIENTS, demoUser, startStack, type Stack } from '../support/stack.ts';
import { ADMIN_CONFIG, SUPPORT_CLIENT, accessToken, adminApi } from './support/admin-client.ts';

// Support finds a person by what a stuck customer quotes: the sign-in the association page showed them, the address
// their provider reports, or the address registered for them.

const alice = demoUser('alice');
const REGISTERED = 'alice.registered@find-people.example';

describe('finding people through the admin API', () => {
  let stack: Stack;
  let support: string;

  beforeAll(async () => {
    stack = await startStack({ admin: ADMIN_CONFIG, accountCacheTtl: '0s' });
    await stack.seedLinkedAccount(alice, { email: REGISTERED });
    support = await accessToken(stack, SUPPORT_CLIENT);
    // A sign-in through a portal records what the provider reported and which portal asked.
    await signIn(new TestBrowser(), await TestPortal.discover(stack), alice);
  });
  afterAll(() => stack.close());

  const people = async (query: string) => {
    const answer = await adminApi(stack, support, 'GET', `/people?${query}`);
    expect(answer.status).toBe(200);
    return answer.body.people as Array<{ id: string; signIns: Array<Record<string, unknown>> }>;
  };

  it('by the sign-in, with its reported address, first and last use and the portal that asked', async () => {
    const [person, ...others] = await people(`signIn=${encodeURIComponent(`demo:${alice.sub}`)}`);
    expect(others).toEqual([]);
    expect(person?.signIns).toEqual([
      expect.objectContaining({
        upstreamId: 'demo',
        subject: alice.sub,
        email: alice.email,
        firstUsedAt: expect.any(String),
        lastUsedAt: expect.any(String),
        lastPortal: TEST_CLIENTS[0].clientId,
      }),
    ]);
  });

  it("by the sign-in's address or the registered one (any case), and nobody for an address nobody has", async () => {
    const [bySignIn] = await people(`signIn=${encodeURIComponent(`demo:${alice.sub}`)}`);
    expect((await people(`email=${encodeURIComponent(alice.email.toUpperCase())}`)).map((p) => p.id)).toEqual([
      bySignIn?.id,
    ]);
    expect((await people(`email=${encodeURIComponent(REGISTERED)}`)).map((p) => p.id)).toEqual([bySignIn?.id]);
    expect(await people('email=nobody%40find-people.example')).toEqual([]);
    expect(await people(`signIn=demo:not-a-known-subject`)).toEqual([]);
  });

  it('answers 400 to a search without a criterion or with an upstream that is not configured', async () => {
    for (const query of ['', 'signIn=nowhere:abc', 'signIn=no-colon']) {
      const answer = await adminApi(stack, support, 'GET', `/people?${query}`);
      expect([query, answer.status, answer.body.error]).toEqual([query, 400, 'ADMIN.INVALID_REQUEST']);
    }
  });
});
