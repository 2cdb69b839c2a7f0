import { z } from 'zod';
import { ADMIN_OPERATIONS } from '../../../src/admin/api/admin-operations.ts';
import { ErrorRep } from '../../../src/admin/representations.ts';
import type { SendGridSink } from '../../support/sendgrid-sink.ts';
import type { Stack } from '../../support/stack.ts';

export const SUPPORT_CLIENT = {
  clientId: 'support-desk',
  clientSecret: 'support-desk-secret-0123456789abcdef',
  role: 'support',
} as const;
export const ADMIN_CLIENT = {
  clientId: 'crm-sync',
  clientSecret: 'crm-sync-secret-0123456789abcdefghij',
  role: 'admin',
} as const;

/** The `admin` configuration of the tests: one tool of each role. */
export const ADMIN_CONFIG = { clients: [SUPPORT_CLIENT, ADMIN_CLIENT] };

/** The client-credentials grant at the broker's token endpoint, as an admin tool performs it (client_secret_basic). */
export async function clientCredentialsToken(
  stack: Pick<Stack, 'brokerUrl'>,
  client: { clientId: string; clientSecret: string },
): Promise<Response> {
  return fetch(`${stack.brokerUrl}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
}

export async function accessToken(
  stack: Pick<Stack, 'brokerUrl'>,
  client: { clientId: string; clientSecret: string },
): Promise<string> {
  const response = await clientCredentialsToken(stack, client);
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no access token for ${client.clientId}: ${JSON.stringify(body)}`);
  return body.access_token;
}

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** An answer's JSON, read by assertions that would only repeat the API's shapes as types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test assertions read the JSON as it comes
type Json = Record<string, any>;

/** One call of the admin API with a bearer token (or none), JSON in and out. */
export async function adminApi<T = Json>(
  stack: Pick<Stack, 'brokerUrl'>,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${stack.brokerUrl}/admin/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const answer = text ? (JSON.parse(text) as unknown) : {};
  checkAgainstContract(method, path, response.status, answer);
  return { status: response.status, body: answer as T, headers: response.headers };
}

const ROUTES = ADMIN_OPERATIONS.map((op) => ({
  op,
  pattern: new RegExp(`^${op.path.replace(/\{\w+\}/g, '[^/?]+')}(\\?.*)?$`),
}));

/**
 * Every answer the tests see is held to the published contract: a success to its operation's schema (strict, so a
 * field the document does not name fails too), a refusal to the Error schema.
 */
function checkAgainstContract(method: string, path: string, status: number, body: unknown): void {
  const route = ROUTES.find((r) => r.op.method === method.toLowerCase() && r.pattern.test(path));
  if (!route || status === 204) return;
  const schema = status >= 400 ? ErrorRep : route.op.response;
  if (!schema) throw new Error(`${method} ${path} answered ${status} with a body but names no response schema`);
  const checked = schema.safeParse(body);
  if (!checked.success) {
    throw new Error(`${method} ${path} answered ${status} outside its schema: ${z.prettifyError(checked.error)}`);
  }
}

export interface Mail {
  to: string;
  text: string;
}

/** Delivers what the outbox holds and returns the e-mails the SendGrid sink received for it. */
export async function deliveredMail(stack: Stack, sink: SendGridSink): Promise<Mail[]> {
  const before = sink.received.length;
  await stack.broker.deliverMail();
  return sink.received.slice(before).map((body) => {
    const mail = body as {
      personalizations: Array<{ to: Array<{ email: string }> }>;
      content: Array<{ type: string; value: string }>;
    };
    return {
      to: mail.personalizations[0]?.to[0]?.email ?? '',
      text: mail.content.find((c) => c.type === 'text/plain')?.value ?? '',
    };
  });
}

export function linkOf(mail: Mail): string {
  const link = /(http:\/\/127\.0\.0\.1:\d+\/link\?token=[A-Za-z0-9_-]{43})/.exec(mail.text)?.[1];
  if (!link) throw new Error(`no link in:\n${mail.text}`);
  return link;
}

/**
 * `admin.console` of the tests: Demo ID plays the company's staff directory. Carol is an administrator (matched by
 * her subject), Bob works in support (matched by his verified address); Alice is only a customer.
 */
export function consoleConfig(upstreamUrl: string, upstreamClient: { clientId: string; clientSecret: string }) {
  return {
    upstream: { id: 'staff', name: 'Example staff directory', issuer: upstreamUrl, ...upstreamClient },
    staff: [
      { subject: 'carol-0003', name: 'Carol (admin)', role: 'admin' },
      { email: 'bob@example.net', role: 'support' },
    ],
  };
}
