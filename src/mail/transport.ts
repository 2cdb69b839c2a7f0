/** A rendered e-mail ready for a provider. */
export interface OutgoingMail {
  to: string;
  from: { email: string; name: string };
  subject: string;
  html: string;
  text: string;
  /** Where a reply goes, when not to `from` (the person who asked support). */
  replyTo?: string;
}

/**
 * Hands one e-mail to a provider. Resolves once the provider accepted it; rejects with an Error whose message is
 * safe to store and show (a status and the provider's reason, never a credential or the e-mail's content).
 */
export interface MailTransport {
  readonly name: 'sendgrid' | 'dev';
  send(mail: OutgoingMail): Promise<{ providerMessageId: string }>;
}

/**
 * A provider's refusal, with what the worker needs to decide: `permanent` when sending the same message again
 * cannot succeed (HTTP 400, 401, 403, 413: a malformed message, a revoked key), and how long the provider asked us
 * to wait (`Retry-After`, on 429 and 503).
 */
export class MailDeliveryError extends Error {
  readonly permanent: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: { permanent?: boolean; retryAfterMs?: number | undefined } = {}) {
    super(message);
    this.name = 'MailDeliveryError';
    this.permanent = options.permanent ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}
