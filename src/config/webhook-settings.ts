/**
 * The events a webhook endpoint may subscribe to. The names live here, beside the configuration that validates
 * `webhooks[].events`, because configuration is a leaf that may not import src/events; src/events gives each name
 * its payload schema and fails to compile when one is missing.
 */
export const WEBHOOK_EVENT_TYPES = [
  'association.requested',
  'association.confirmed',
  'association.cancelled',
  'identity.removed',
  'membership.added',
  'membership.removed',
  'person.sessions-ended',
  'support-request.created',
  'account.changed',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Subscribes an endpoint to every event, including those a later version adds. */
export const EVERY_WEBHOOK_EVENT = '*';

const WHSEC = /^whsec_([A-Za-z0-9+/]+={0,2})$/;
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;

/**
 * What is wrong with a webhook signing secret, or undefined. Standard Webhooks serialises a symmetric key as
 * `whsec_` and its base64, and asks for 24 to 64 random bytes (192 to 512 bits): a shorter key is guessable from
 * signatures, and libraries on the receiving side expect exactly this form.
 */
export function webhookSecretProblem(secret: string): string | undefined {
  const base64 = WHSEC.exec(secret.trim())?.[1];
  if (base64 === undefined || base64.length % 4 !== 0) {
    return "must be whsec_ followed by base64 (create one with: node -e \"console.log('whsec_' + require('crypto').randomBytes(32).toString('base64'))\")";
  }
  const bytes = Buffer.from(base64, 'base64').length;
  if (bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    return `must hold ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} random bytes after whsec_ (it holds ${bytes})`;
  }
  return undefined;
}
