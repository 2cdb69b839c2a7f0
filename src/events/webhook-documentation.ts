import { z } from 'zod';
import { webhookDeliveryView } from './delivery-admin.ts';
import { WEBHOOK_EVENT_TYPES, webhookPayloadSchema, type WebhookEventType } from './event-types.ts';
import { EXAMPLE_TIMESTAMP, WEBHOOK_EVENT_EXAMPLES } from './webhook-examples.ts';

/** A component name per event: `association.requested` → `AssociationRequestedEvent`. */
export function webhookSchemaName(type: WebhookEventType): string {
  const words = type.split(/[.-]/).map((word) => word.charAt(0).toUpperCase() + word.slice(1));
  return `${words.join('')}Event`;
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    // Described as accepted, not as closed (`additionalProperties: false`): later versions may add fields, and a
    // receiver's generated types must not reject them.
    io: 'input',
    // `format: date-time` says it; zod's long pattern for the same thing would only clutter generated clients.
    override: ({ jsonSchema: node }) => {
      if (node.format === 'date-time') delete node.pattern;
    },
  });
  return rest;
}

const HEADERS = [
  [
    'webhook-id',
    "The event's id for this endpoint, the same on every try and replay: de-duplicate on it.",
    'msg_6752a1f0c3b4d5e6f7a8b9c8',
  ],
  [
    'webhook-timestamp',
    'When this try was sent, in seconds since 1970; refuse one more than a few minutes off.',
    '1796205600',
  ],
  [
    'webhook-signature',
    'v1, and the base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}" under the secret after whsec_ (Standard Webhooks).',
    'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
  ],
] as const;

export interface WebhookDocumentation {
  /** The OpenAPI 3.1 `webhooks` object: one POST per event type. */
  readonly webhooks: Record<string, unknown>;
  /** Named schemas the entries refer to (`#/components/schemas/<name>`): every event, and a delivery's view. */
  readonly schemas: Record<string, unknown>;
}

/**
 * The events as OpenAPI 3.1 describes webhooks: per type, the request the broker sends (body schema, example,
 * the three Standard Webhooks headers) and the answers it understands. Merge `webhooks` into the document and
 * `schemas` into `components.schemas`.
 */
export function webhookDocumentation(): WebhookDocumentation {
  const webhooks: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = { WebhookDelivery: jsonSchema(webhookDeliveryView) };
  for (const type of WEBHOOK_EVENT_TYPES) {
    const name = webhookSchemaName(type);
    schemas[name] = {
      ...jsonSchema(webhookPayloadSchema(type)),
      examples: [{ type, timestamp: EXAMPLE_TIMESTAMP, data: WEBHOOK_EVENT_EXAMPLES[type] }],
    };
    webhooks[type] = {
      post: {
        operationId: `webhook-${type.replace('.', '-')}`,
        summary: type,
        description: `${webhookPayloadSchema(type).description ?? type} Signed per Standard Webhooks; at least once, so de-duplicate on webhook-id.`,
        parameters: HEADERS.map(([header, description, example]) => ({
          name: header,
          in: 'header',
          required: true,
          description,
          schema: { type: 'string' },
          example,
        })),
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } },
        },
        responses: {
          '2XX': { description: 'Received: the delivery is done.' },
          '410': {
            description:
              'Gone: this delivery fails at once and is not tried again (any 4xx but 408 and 429 does the same).',
          },
          '429': { description: 'Too many requests: tried again later, not before Retry-After (up to an hour).' },
          '5XX': { description: 'Tried again later with exponential back-off (503 with Retry-After as 429).' },
        },
      },
    };
  }
  return { webhooks, schemas };
}
