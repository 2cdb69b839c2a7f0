import { z } from 'zod';
import type { AdminOperation } from './admin-operations.ts';

export const ADMIN_API_PREFIX = '/admin/api/v1';

const jsonSchema = (schema: z.ZodType) => {
  // io: input describes what a caller sends (before dates are parsed); `$schema` belongs to whole documents only.
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
};

const pathParameters = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');

const ERROR = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ERROR } } });

/** OpenAPI 3.1 of the admin API, generated from the operation table (so every route is in it). */
export function openApiDocument(operations: readonly AdminOperation[], issuer: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const query = op.query ? Object.entries(jsonSchema(op.query).properties ?? {}) : [];
    const required = new Set(op.query ? ((jsonSchema(op.query).required as string[] | undefined) ?? []) : []);
    (paths[op.path] ??= {})[op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      description: `Role: ${op.role}${op.role === 'support' ? ' (or admin)' : ''}.`,
      security: [{ adminClient: [] }],
      parameters: [
        ...pathParameters(op.path).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        ...query.map(([name, schema]) => ({ name, in: 'query', required: required.has(name), schema })),
      ],
      ...(op.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body) } } } }
        : {}),
      responses: {
        [String(op.status)]:
          op.status === 204
            ? { description: 'Done' }
            : { description: 'OK', content: { 'application/json': { schema: {} } } },
        '400': errorResponse('The request is malformed'),
        '401': errorResponse('No valid access token of an admin client'),
        '403': errorResponse(`The client's role is not ${op.role}`),
        ...(pathParameters(op.path).length > 0 ? { '404': errorResponse('Not found') } : {}),
        ...(op.method !== 'get' ? { '409': errorResponse('The records do not allow it now') } : {}),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Identity broker admin API',
      version: '1',
      description: 'Support and account administration. Every change is audited with the calling client.',
    },
    servers: [{ url: `${issuer}${ADMIN_API_PREFIX}` }],
    paths,
    components: {
      securitySchemes: {
        adminClient: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: `${issuer}/token`, scopes: {} } } },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'message'],
          properties: { error: { type: 'string', examples: ['ADMIN.FORBIDDEN'] }, message: { type: 'string' } },
        },
      },
    },
  };
}
