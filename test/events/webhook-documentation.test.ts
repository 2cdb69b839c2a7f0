import { Validator } from '@seriousme/openapi-schema-validator';
import { WEBHOOK_EVENT_DATA, WEBHOOK_EVENT_TYPES, webhookPayloadSchema } from '../../src/events/event-types.ts';
import { webhookDocumentation, webhookSchemaName } from '../../src/events/webhook-documentation.ts';
import { EXAMPLE_TIMESTAMP, WEBHOOK_EVENT_EXAMPLES } from '../../src/events/webhook-examples.ts';

describe('the events as OpenAPI 3.1 webhooks', () => {
  const { webhooks, schemas } = webhookDocumentation();

  it('make a document that validates, with one POST per event type', async () => {
    const document = {
      openapi: '3.1.0',
      info: { title: 'Identity broker admin API', version: '1' },
      paths: {},
      webhooks,
      components: { schemas },
    };
    const result = await new Validator().validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(Object.keys(webhooks).sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
  });

  it.each(WEBHOOK_EVENT_TYPES)('describe %s: its body schema, example and the three signature headers', (type) => {
    const post = (webhooks[type] as { post: Record<string, unknown> }).post;
    expect(post.requestBody).toEqual({
      required: true,
      content: { 'application/json': { schema: { $ref: `#/components/schemas/${webhookSchemaName(type)}` } } },
    });
    expect((post.parameters as { name: string; in: string }[]).map((p) => `${p.in}:${p.name}`)).toEqual([
      'header:webhook-id',
      'header:webhook-timestamp',
      'header:webhook-signature',
    ]);
    const schema = schemas[webhookSchemaName(type)] as {
      required: string[];
      properties: { data: { required: string[] } };
      examples: unknown[];
    };
    expect(schema.required).toEqual(['type', 'timestamp', 'data']);
    expect(schema.properties.data.required.sort()).toEqual(Object.keys(WEBHOOK_EVENT_DATA[type].shape).sort());
    // The example is what the broker would send: it parses with the event's own schema.
    expect(webhookPayloadSchema(type).parse(schema.examples[0])).toEqual({
      type,
      timestamp: EXAMPLE_TIMESTAMP,
      data: WEBHOOK_EVENT_EXAMPLES[type],
    });
  });

  it('name no field that could carry a token, a link, a secret, an address or a message', () => {
    const fields = JSON.stringify(schemas).match(/"([A-Za-z]+)":\{"type"/g) ?? [];
    const suspicious = fields.filter((field) => /token|link|secret|password|email|message|text|url/i.test(field));
    expect(fields.length).toBeGreaterThan(20);
    expect(suspicious).toEqual([]);
  });
});
