import { Client } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';
import { MailDeliveryError, type MailTransport } from './transport.ts';

export interface SendGridTransportOptions {
  apiKey: string;
  /** `https://api.sendgrid.com`, `https://api.eu.sendgrid.com`, or a local sink in tests. */
  baseUrl: string;
  /** Per request; a hung connection must fail the attempt long before its outbox claim lease runs out. */
  timeoutMs?: number;
}

const MAX_ERROR_LENGTH = 500;
/** Answers after which the same request can never succeed: retrying them only delays the alert by hours. */
const PERMANENT_STATUSES = new Set([400, 401, 403, 413]);

/** `Retry-After` as seconds or an HTTP date (RFC 9110 §10.2.3), in milliseconds from now; undefined when absent. */
export function retryAfterMs(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1_000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function headerOf(headers: unknown, name: string): unknown {
  if (!headers || typeof headers !== 'object') return undefined;
  const getter = (headers as { get?: unknown }).get;
  // axios' AxiosHeaders (the client's) has get(); a plain object is indexed by the lower-case name.
  return typeof getter === 'function' ? getter.call(headers, name) : (headers as Record<string, unknown>)[name];
}

interface SendGridErrorBody {
  errors?: { message?: unknown; field?: unknown }[];
}

/** SendGrid's reasons (`The from address does not match a verified Sender Identity (from.email)`), if any. */
function reasons(body: unknown): string | undefined {
  const errors = (body as SendGridErrorBody | null)?.errors;
  if (!Array.isArray(errors)) return typeof body === 'string' && body.trim() ? body.trim() : undefined;
  const texts = errors
    .map((e) => [e.message, e.field].filter((part) => typeof part === 'string' && part).join(' '))
    .filter(Boolean);
  return texts.length > 0 ? texts.join('; ') : undefined;
}

/**
 * Builds the message from the parts we choose. The client's own errors are never passed on: axios errors carry
 * the request configuration, Authorization header included, and would put the API key into any log that
 * serialises them.
 */
function describeFailure(error: unknown, apiKey: string): MailDeliveryError {
  const failure = error as {
    code?: unknown;
    message?: unknown;
    response?: { body?: unknown; headers?: unknown };
  } | null;
  let text: string;
  let options: ConstructorParameters<typeof MailDeliveryError>[1] = {};
  if (typeof failure?.code === 'number' && failure.response) {
    const status = failure.code;
    text = `SendGrid answered HTTP ${status}: ${reasons(failure.response.body) ?? String(failure.message ?? 'no reason given')}`;
    options = {
      permanent: PERMANENT_STATUSES.has(status),
      retryAfterMs: retryAfterMs(headerOf(failure.response.headers, 'retry-after')),
    };
  } else {
    const reason = typeof failure?.code === 'string' ? failure.code : String(failure?.message ?? error);
    text = `SendGrid could not be reached: ${reason}`;
  }
  return new MailDeliveryError(text.split(apiKey).join('[redacted]').slice(0, MAX_ERROR_LENGTH), options);
}

/** Sends through SendGrid's v3 Mail Send API with the official client. */
export function createSendGridTransport({
  apiKey,
  baseUrl,
  timeoutMs = 10_000,
}: SendGridTransportOptions): MailTransport {
  // A service and client of our own instead of the package's singletons: nothing else in the process can change
  // this transport's key or base URL.
  const client = new Client();
  // setApiKey() resets the base URL to SendGrid's global host, so the base URL must be set after it.
  client.setApiKey(apiKey);
  client.setDefaultRequest('baseUrl', baseUrl);
  const service = new MailService();
  service.setClient(client);
  service.setTimeout(timeoutMs);

  return {
    name: 'sendgrid',
    async send(mail) {
      try {
        const [response] = await service.send({
          to: mail.to,
          from: mail.from,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          ...(mail.replyTo ? { replyTo: mail.replyTo } : {}),
          // Click tracking would rewrite the one-time link through SendGrid's redirect host (and its logs); open
          // tracking adds a pixel nobody reads. Neither is wanted in an account-security e-mail.
          trackingSettings: { clickTracking: { enable: false, enableText: false }, openTracking: { enable: false } },
        });
        const headers = response.headers as Record<string, unknown>;
        const id = headers['x-message-id'];
        // A 2xx means SendGrid accepted the message; a missing id must not turn a delivery into a retry (a duplicate).
        return { providerMessageId: typeof id === 'string' && id ? id : 'unknown' };
      } catch (error) {
        throw describeFailure(error, apiKey);
      }
    },
  };
}
