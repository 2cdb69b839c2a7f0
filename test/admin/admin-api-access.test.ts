import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { CONSOLE_ACTIONS, CONSOLE_READS } from '../../src/admin/console/console-operations.ts';
import { VIEWS_DIR } from '../../src/broker.ts';
import { parseConfig } from '../../src/config/index.ts';
import { baseConfigDocument } from '../support/config.ts';
import { recentAudit } from '../support/records.ts';
import { startStack, TEST_CLIENTS, type Stack } from '../support/stack.ts';
import {
  ADMIN_CLIENT,
  ADMIN_CONFIG,
  SUPPORT_CLIENT,
  accessToken,
  adminApi,
  clientCredentialsToken,
} from './support/admin-client.ts';

const ENV = { MONGODB_URI: 'mongodb://127.0.0.1:27017/ib', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('who may call the admin API', () => {
  let stack: Stack;
  let support: string;
  let admin: string;

  beforeAll(async () => {
    stack = await startStack({ admin: ADMIN_CONFIG });
    [support, admin] = await Promise.all([accessToken(stack, SUPPORT_CLIENT), accessToken(stack, ADMIN_CLIENT)]);
  });
  afterAll(() => stack.close());

  it('answers 401 with a Bearer challenge to a call without a token or with a token the broker did not issue', async () => {
    for (const token of [undefined, 'not-a-token-the-broker-issued']) {
      const answer = await adminApi(stack, token, 'GET', '/accounts?q=C-1');
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
      expect(answer.body).toEqual({ error: 'ADMIN.UNAUTHENTICATED', message: expect.any(String) });
    }
  });

  it('issues no admin token to a portal (unauthorized_client, RFC 6749 5.2), and a wrong secret gets none either', async () => {
    const portal = TEST_CLIENTS[0];
    const portalAnswer = await clientCredentialsToken(stack, portal);
    expect(portalAnswer.status).toBe(400);
    expect(await portalAnswer.json()).toEqual({
      error: 'unauthorized_client',
      error_description: 'requested grant type is not allowed for this client',
    });
    const wrongSecret = await clientCredentialsToken(stack, { ...SUPPORT_CLIENT, clientSecret: 'x'.repeat(40) });
    expect(wrongSecret.status).toBe(401);
  });

  it('refuses a support token for admin-only operations (403) and changes nothing', async () => {
    const created = await adminApi(stack, support, 'POST', '/accounts', {
      customerNumber: 'C-9001',
      name: 'Support Made Ltd',
    });
    expect(created.status).toBe(403);
    expect(created.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
    for (const [method, path] of [
      ['PATCH', '/accounts/000000000000000000000001'],
      ['POST', '/contacts/000000000000000000000001/sign-ins'],
      ['DELETE', '/memberships/000000000000000000000001'],
      ['DELETE', '/sign-ins/000000000000000000000001'],
    ] as const) {
      expect([method, path, (await adminApi(stack, support, method, path, {})).status]).toEqual([method, path, 403]);
    }
    expect((await adminApi(stack, support, 'GET', '/accounts?q=C-9001')).body).toEqual({ accounts: [] });
    const byAdmin = await adminApi(stack, admin, 'POST', '/accounts', {
      customerNumber: 'C-9001',
      name: 'Admin Made Ltd',
    });
    expect(byAdmin.status).toBe(201);
    expect((await adminApi(stack, support, 'GET', '/accounts?q=C-9001')).body.accounts).toEqual([
      expect.objectContaining({ customerNumber: 'C-9001', name: 'Admin Made Ltd', status: 'active' }),
    ]);
    const [event] = await recentAudit(stack.db, { type: 'admin.account-created' });
    expect(event?.detail).toMatchObject({ actor: ADMIN_CLIENT.clientId, role: 'admin', customerNumber: 'C-9001' });
  });

  it('refuses a client configured without a role: the configuration does not load', () => {
    const document = baseConfigDocument({ admin: { clients: [{ clientId: 'tool', clientSecret: 's'.repeat(32) }] } });
    expect(() => parseConfig(document, ENV)).toThrow(/admin\.clients\[0\]\.role: must be support or admin/);
    const clash = baseConfigDocument({
      admin: { clients: [{ clientId: 'portal', clientSecret: 's'.repeat(32), role: 'admin' }] },
    });
    expect(() => parseConfig(clash, ENV)).toThrow(/admin\.clients: clientId "portal" is used twice/);
  });

  it('answers a malformed request with 400 naming the field', async () => {
    const answer = await adminApi(stack, admin, 'POST', '/accounts', { customerNumber: '', name: 'No Number' });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: 'ADMIN.INVALID_REQUEST',
      message: expect.stringContaining('customerNumber'),
    });
  });

  it('serves an OpenAPI 3.1 document that lists every route, each of which exists and requires a token', async () => {
    const response = await fetch(`${stack.brokerUrl}/admin/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      servers: Array<{ url: string }>;
      paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, { flows: { clientCredentials: { tokenUrl: string } } }> };
    };
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers[0]?.url).toBe(`${stack.brokerUrl}/admin/api/v1`);
    expect(document.components.securitySchemes.adminClient?.flows.clientCredentials.tokenUrl).toBe(
      `${stack.brokerUrl}/token`,
    );
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations.map((o) => o.op.operationId)).toEqual(
      expect.arrayContaining([
        'searchAccounts',
        'getAccount',
        'resendAssociation',
        'cancelAssociation',
        'linkSignIn',
        'removeMembership',
        'searchAudit',
        'listMailFailures',
        'retryMail',
      ]),
    );
    expect(new Set(operations.map((o) => o.op.operationId)).size).toBe(operations.length);
    for (const { path, method } of operations) {
      const concrete = path.replace(/\{\w+\}/g, '000000000000000000000001');
      const answer = await adminApi(
        stack,
        undefined,
        method.toUpperCase(),
        concrete,
        method === 'get' || method === 'delete' ? undefined : {},
      );
      expect([method, path, answer.status]).toEqual([method, path, 401]);
    }
    // And a route the document does not list is not there.
    expect((await adminApi(stack, admin, 'GET', '/no-such-route')).status).toBe(404);
  });

  it('serves a document that validates against the OpenAPI 3.1 schema and lists every operation the console uses', async () => {
    const document = (await (await fetch(`${stack.brokerUrl}/admin/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const result = await new Validator().validate(document);
    expect(result).toEqual({ valid: true });
    const listed = new Set(
      Object.values(document.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId)),
    );
    const used = [...CONSOLE_READS, ...CONSOLE_ACTIONS];
    expect(used.filter((id) => !listed.has(id))).toEqual([]);
    // The console's forms name their operation (views/admin: op="…"): each is one the console declares, and back.
    const templates = readdirSync(join(VIEWS_DIR, 'admin'), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.hbs'),
    );
    const inForms = new Set(
      templates.flatMap((f) =>
        [...readFileSync(join(VIEWS_DIR, 'admin', f), 'utf8').matchAll(/op="(\w+)"/g)].map((m) => m[1]),
      ),
    );
    expect([...inForms].sort()).toEqual([...CONSOLE_ACTIONS].sort());
  });
});
