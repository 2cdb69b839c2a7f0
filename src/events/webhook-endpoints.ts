import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { ConfigError, type WebhookConfig } from '../config/index.ts';
import { EVERY_WEBHOOK_EVENT, webhookSecretProblem } from '../config/webhook-settings.ts';
import type { WebhookEventType } from './event-types.ts';

/** An endpoint as the publisher and the worker use it: what it wants, where it is, and how to sign for it. */
export interface WebhookEndpoint {
  readonly url: string;
  readonly allowPrivateNetwork: boolean;
  wants(type: WebhookEventType): boolean;
  /**
   * The `webhook-signature` value: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` (Standard Webhooks); while
   * a secret is rotated, one such signature per secret, space-separated, the new one first.
   */
  sign(webhookId: string, at: Date, body: string): string;
}

export interface WebhookEndpoints {
  readonly size: number;
  subscribedTo(type: WebhookEventType): WebhookEndpoint[];
  /** The endpoint a stored delivery names; undefined once it left the configuration. */
  byUrl(url: string): WebhookEndpoint | undefined;
}

/** The endpoint as logs and support see it: origin and path only, since a query string may carry a credential. */
export function loggableUrl(url: string): string {
  const parsed = URL.parse(url);
  return parsed ? `${parsed.origin}${parsed.pathname}` : '(invalid URL)';
}

/** How a secret file is read; tests substitute it. */
export type ReadSecretFile = (path: string) => string;

const readUtf8: ReadSecretFile = (path) => readFileSync(path, 'utf8');

function secretOf(entry: WebhookConfig, key: string, read: ReadSecretFile, problems: string[]): string | undefined {
  if (entry.secret !== undefined) return entry.secret.trim();
  const path = entry.secretFile ?? '';
  let secret: string;
  try {
    secret = read(path).trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problems.push(
      `${key}.secretFile: cannot read ${path}: ${code === 'ENOENT' ? 'file not found' : (error as Error).message}`,
    );
    return undefined;
  }
  // The file's content is never printed: it is the secret, even when malformed.
  const problem = webhookSecretProblem(secret);
  if (problem) problems.push(`${key}.secretFile: the secret in ${path} ${problem}`);
  return problem ? undefined : secret;
}

/**
 * The configured endpoints, with their secrets read (from the file or a `secretFile`) and turned into signers once
 * at start-up. A secret file that is missing or malformed stops the broker with one line naming the key, like every
 * other configuration problem.
 */
export function webhookEndpoints(entries: readonly WebhookConfig[], read: ReadSecretFile = readUtf8): WebhookEndpoints {
  const problems: string[] = [];
  const endpoints = entries.flatMap((entry, index): WebhookEndpoint[] => {
    const secret = secretOf(entry, `webhooks[${index}]`, read, problems);
    if (secret === undefined) return [];
    const signers = [secret, entry.previousSecret?.trim()].flatMap((s) => (s ? [new Webhook(s)] : []));
    const all = entry.events.includes(EVERY_WEBHOOK_EVENT);
    const events = new Set<string>(entry.events);
    return [
      {
        url: entry.url,
        allowPrivateNetwork: entry.allowPrivateNetwork,
        wants: (type) => all || events.has(type),
        sign: (webhookId, at, body) => signers.map((signer) => signer.sign(webhookId, at, body)).join(' '),
      },
    ];
  });
  if (problems.length > 0) throw new ConfigError('configuration', problems);
  return {
    size: endpoints.length,
    subscribedTo: (type) => endpoints.filter((endpoint) => endpoint.wants(type)),
    byUrl: (url) => endpoints.find((endpoint) => endpoint.url === url),
  };
}
