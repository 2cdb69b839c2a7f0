import { randomBytes } from 'node:crypto';

/** A webhook signing secret in the `whsec_` form (32 random bytes), new per call. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
