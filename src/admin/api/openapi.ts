import { z } from 'zod';
import { webhookDocumentation } from '../../events/webhook-documentation.ts';
import { representations } from '../representations.ts';
import type { AdminOperation } from './admin-operations.ts';

export const ADMIN_API_PREFIX = '/admin/api/v1';

const REF_BASE = '#/components/schemas/';

/** JSON Schema for a request part: `io: 'input'` describes what a caller sends (before dates are parsed). */
const requestSchema = (schema: z.ZodType) => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
};

/**
 * Every named representation as `components.schemas`, referring to each other by `$ref`. The long pattern zod
 * writes next to `format: date-time` says nothing a client generator uses, and the `$schema`/`$id` of each entry
 * belong to standalone documents, not to components.
 */
function componentSchemas(): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(representations, {
    uri: (id) => `${REF_BASE}${id}`,
    metadata: representations,
    override: ({ jsonSchema }) => {
      if (jsonSchema.format === 'date-time') delete jsonSchema.pattern;
    },
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([name, { $schema: _s, $id: _i, ...schema }]) => [name, schema]),
  );
}

function referenceTo(schema: z.ZodType): { $ref: string } {
  const id = representations.get(schema)?.id;
  // A programming error caught by the OpenAPI test: every answer must be a named representation.
  if (!id) throw new Error('an admin operation answers with a schema that is not in representations.ts');
  return { $ref: `${REF_BASE}${id}` };
}

const pathParameters = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `${REF_BASE}Error` } } },
});

function successResponse(op: AdminOperation) {
  if (op.status === 204 || !op.response) return { description: 'Done' };
  return {
    description: op.status === 201 ? 'Created' : 'OK',
    content: { 'application/json': { schema: referenceTo(op.response) } },
  };
}

function queryParameters(op: AdminOperation) {
  if (!op.query) return [];
  const schema = requestSchema(op.query);
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: required.has(name),
    schema: property,
  }));
}

function operationObject(op: AdminOperation) {
  return {
    operationId: op.operationId,
    summary: op.summary,
    // The `support` scope is granted to clients with the support or admin role, `admin` to admin clients only.
    security: [{ adminClient: [op.role] }],
    parameters: [
      ...pathParameters(op.path).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...queryParameters(op),
    ],
    ...(op.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: requestSchema(op.body) } } } }
      : {}),
    responses: {
      [String(op.status)]: successResponse(op),
      '400': errorResponse('The request is malformed'),
      '401': errorResponse('No valid access token of an admin client'),
      '403': errorResponse(`The token lacks the scope ${op.role}`),
      ...(pathParameters(op.path).length > 0 ? { '404': errorResponse('Not found') } : {}),
      ...(op.method !== 'get' ? { '409': errorResponse('The records do not allow it now') } : {}),
    },
  };
}

/** OpenAPI 3.1 of the admin API, generated from the operation table (so every route is in it). */
export function openApiDocument(operations: readonly AdminOperation[], issuer: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) (paths[op.path] ??= {})[op.method] = operationObject(op);
  // The events the broker sends to the customer system's endpoints (`webhooks[]`), described as OpenAPI 3.1 webhooks.
  const events = webhookDocumentation();
  return {
    openapi: '3.1.0',
    info: {
      title: 'Identity broker admin API',
      version: '1',
      description:
        'Support and account administration. Every change is audited with the calling client. ' +
        'Get a token with the client-credentials grant at the token endpoint; the scopes follow the role the ' +
        'client is configured with (`admin.clients[].role`), so a client need not ask for them.',
    },
    servers: [{ url: `${issuer}${ADMIN_API_PREFIX}` }],
    paths,
    webhooks: events.webhooks,
    components: {
      securitySchemes: {
        adminClient: {
          type: 'oauth2',
          flows: {
            clientCredentials: {
              tokenUrl: `${issuer}/token`,
              scopes: {
                support:
                  'Read accounts, people and the audit; resend and cancel links; retry e-mails (support and admin clients)',
                admin: 'Change accounts and contacts, link and unlink sign-ins (admin clients)',
              },
            },
          },
        },
      },
      schemas: { ...events.schemas, ...componentSchemas() },
    },
  };
}
