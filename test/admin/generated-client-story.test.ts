import { readFileSync } from 'node:fs';
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { adminApiTypes } from '../../scripts/lib/admin-api-types.ts';
import { demoUser, startStack, type Stack } from '../support/stack.ts';
import type { paths } from './generated/admin-api.ts';
import { ADMIN_CLIENT, ADMIN_CONFIG, SUPPORT_CLIENT, accessToken } from './support/admin-client.ts';

// An integrator's view: a client generated from the published document (openapi-typescript types, openapi-fetch),
// compiled by `npm run typecheck` and driven through one support story. It knows nothing but the document.

const alice = demoUser('alice');

function client(stack: Stack, token: string): Client<paths> {
  const bearer: Middleware = {
    onRequest: ({ request }) => {
      request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  };
  const api = createClient<paths>({ baseUrl: `${stack.brokerUrl}/admin/api/v1` });
  api.use(bearer);
  return api;
}

describe('a client generated from the OpenAPI document', () => {
  let stack: Stack;
  let crm: Client<paths>;
  let desk: Client<paths>;

  beforeAll(async () => {
    stack = await startStack({ admin: ADMIN_CONFIG });
    const [admin, support] = await Promise.all([accessToken(stack, ADMIN_CLIENT), accessToken(stack, SUPPORT_CLIENT)]);
    crm = client(stack, admin);
    desk = client(stack, support);
  });
  afterAll(() => stack.close());

  it('is the one committed under test/admin/generated (npm run api:types writes it)', async () => {
    const committed = readFileSync(new URL('./generated/admin-api.ts', import.meta.url), 'utf8');
    expect(committed).toBe(await adminApiTypes());
  });

  it('drives a support story: the CRM sets up an account and links a sign-in, the desk finds the person and the trail', async () => {
    const created = await crm.POST('/accounts', {
      body: {
        customerNumber: 'C-7001',
        name: 'Northwind Traders',
        plans: [{ type: 'support', expiresAt: '2030-01-01T00:00:00Z' }],
      },
    });
    expect(created.response.status).toBe(201);
    const accountId = created.data?.id ?? '';
    const contact = await crm.POST('/accounts/{accountId}/contacts', {
      params: { path: { accountId } },
      body: { email: 'alice@northwind.example', name: 'Alice' },
    });
    const contactId = contact.data?.id ?? '';
    const linked = await crm.POST('/contacts/{contactId}/sign-ins', {
      params: { path: { contactId } },
      body: { upstreamId: 'demo', subject: alice.sub, signInName: 'a***@example.com' },
    });
    expect(linked.data).toEqual({ outcome: 'linked', personId: expect.any(String), accountId });

    const found = await desk.GET('/accounts', { params: { query: { q: 'C-7001' } } });
    expect(found.data?.accounts.map((a) => a.name)).toEqual(['Northwind Traders']);
    const detail = await desk.GET('/accounts/{accountId}', { params: { path: { accountId } } });
    const member = detail.data?.members[0];
    expect(member?.signIns.map((s) => [s.upstreamId, s.subject])).toEqual([['demo', alice.sub]]);
    const person = await desk.GET('/people/{personId}', { params: { path: { personId: member?.personId ?? '' } } });
    expect(person.data?.memberships.map((m) => m.account?.customerNumber)).toEqual(['C-7001']);

    const trail = await desk.GET('/audit', { params: { query: { accountId } } });
    expect(trail.data?.events.map((e) => [e.type, e.actor])).toEqual(
      expect.arrayContaining([
        ['admin.account-created', ADMIN_CLIENT.clientId],
        ['admin.contact-added', ADMIN_CLIENT.clientId],
        ['admin.identity-linked', ADMIN_CLIENT.clientId],
      ]),
    );

    // The desk's scope is support: an admin operation is refused with a code the generated types name.
    const refused = await desk.PATCH('/accounts/{accountId}', {
      params: { path: { accountId } },
      body: { status: 'disabled' },
    });
    expect(refused.response.status).toBe(403);
    expect(refused.error?.error).toBe('ADMIN.FORBIDDEN');
  });
});
