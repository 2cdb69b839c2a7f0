import { Validator } from '@seriousme/openapi-schema-validator';
import { ADMIN_OPERATIONS } from '../../src/admin/api/admin-operations.ts';
import { openApiDocument } from '../../src/admin/api/openapi.ts';
import { ADMIN_ERROR_CODES, NAMED_REPRESENTATIONS } from '../../src/admin/representations.ts';

// The published document as a contract: what a client generator needs is there for every operation.

interface Operation {
  operationId: string;
  security: Array<Record<string, string[]>>;
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}

const document = openApiDocument(ADMIN_OPERATIONS, 'https://broker.example');
const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods) as Operation[]);
const schemas = document.components.schemas as Record<string, { examples?: unknown[]; properties?: object }>;

describe('the admin API document', () => {
  it('validates as OpenAPI 3.1', async () => {
    expect(await new Validator().validate(document)).toEqual({ valid: true });
  });

  it('names the schema of every success answer, and every named schema exists', () => {
    const unnamed = operations.flatMap((op) =>
      Object.entries(op.responses)
        .filter(([status, response]) => status.startsWith('2') && response.content)
        .flatMap(([status, response]) => {
          const ref = response.content?.['application/json']?.schema.$ref ?? '';
          const name = ref.replace('#/components/schemas/', '');
          return ref.startsWith('#/components/schemas/') && schemas[name] ? [] : [`${op.operationId} ${status}`];
        }),
    );
    expect(unnamed).toEqual([]);
    // 204 only for removals: every other operation answers a body.
    const bodiless = operations.filter(
      (op) => !Object.keys(op.responses).some((s) => s !== '204' && s.startsWith('2')),
    );
    expect(bodiless.map((op) => op.operationId).sort()).toEqual(['removeMembership', 'removeSignIn']);
  });

  it('has every operation name the one scope it needs, from the scopes of the client-credentials scheme', () => {
    const scopes = Object.keys(document.components.securitySchemes.adminClient.flows.clientCredentials.scopes);
    expect(scopes.sort()).toEqual(['admin', 'support']);
    for (const op of operations) {
      expect([op.operationId, op.security]).toEqual([op.operationId, [{ adminClient: [expect.any(String)] }]]);
      expect(scopes).toContain(op.security[0]?.adminClient?.[0]);
    }
    expect(operations.filter((op) => op.security[0]?.adminClient?.[0] === 'admin').map((op) => op.operationId)).toEqual(
      expect.arrayContaining(['createAccount', 'removeSignIn', 'linkSignIn']),
    );
  });

  it('lists the error codes as an enum', () => {
    expect(schemas.Error).toMatchObject({ properties: { error: { enum: [...ADMIN_ERROR_CODES] } } });
  });

  it('gives each named schema an example that its own schema accepts', () => {
    expect(NAMED_REPRESENTATIONS.length).toBeGreaterThan(10);
    for (const { name, schema, example } of NAMED_REPRESENTATIONS) {
      expect(schemas[name]?.examples).toEqual([example]);
      const checked = schema.safeParse(example);
      expect([name, checked.success ? 'valid' : checked.error.message]).toEqual([name, 'valid']);
    }
  });
});
