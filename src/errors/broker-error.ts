import type { MessageParams } from '../i18n/translator.ts';

/**
 * Base of every error the broker expects to happen. Like oidc-provider's OIDCProviderError, each subclass carries
 * what the one error handler needs: HTTP status, a namespaced code, whether its message may be shown, and the page
 * that explains it to a person. Messages are catalogue keys (views/locales), translated when the page is rendered.
 */
export abstract class BrokerError extends Error {
  abstract readonly status: number;
  /** Namespaced code (`LINK.EXPIRED`), for logs and audit. */
  abstract readonly code: string;
  /** Page under views/pages rendered for browsers. */
  readonly page: string = 'error';
  /** RFC 6749 error code for JSON clients. */
  readonly oauthError: string = 'server_error';
  /** Whether the message may reach the client (never for internal details). */
  readonly expose: boolean = true;
  /** Catalogue key of the page heading; the error page's default heading when unset. */
  readonly titleKey: string | undefined = undefined;
  readonly messageKey: string;
  /** Values for the message's placeholders and for the page (never secrets). */
  readonly params: MessageParams;
  /** Non-text values the page needs (a "start again" URL). */
  readonly details: Readonly<Record<string, unknown>> = {};

  constructor(messageKey: string, params: MessageParams = {}) {
    super(messageKey);
    this.messageKey = messageKey;
    this.params = params;
  }
}

export class NotFound extends BrokerError {
  readonly status = 404;
  readonly code = 'HTTP.NOT_FOUND';
  override readonly oauthError = 'not_found';
  constructor() {
    super('error.notFound');
  }
}

/**
 * A store (MongoDB, Redis) cannot be reached: "temporarily unavailable, try again in a minute", never a message
 * that sends the person elsewhere ("expired") for what is our outage. `cause` says why, for the log only.
 */
export class ServiceUnavailable extends BrokerError {
  readonly status = 503;
  readonly code = 'SERVICE.UNAVAILABLE';
  override readonly oauthError = 'temporarily_unavailable';
  override readonly titleKey = 'error.titleUnavailable';
  /** Seconds a client should wait (sent as Retry-After). */
  readonly retryAfterSeconds = 60;
  constructor(cause?: unknown) {
    super('error.unavailable');
    if (cause !== undefined) this.cause = cause;
  }
}

/** A request body over the limit, refused before it is read (or while it is). */
export class PayloadTooLarge extends BrokerError {
  readonly status = 413;
  readonly code = 'HTTP.PAYLOAD_TOO_LARGE';
  override readonly oauthError = 'invalid_request';
  constructor() {
    super('error.tooLarge');
  }
}

/** A request for a host other than the issuer's (RFC 9110 §15.5.20): its URLs would be built from a forged name. */
export class MisdirectedRequest extends BrokerError {
  readonly status = 421;
  readonly code = 'HTTP.MISDIRECTED';
  override readonly oauthError = 'invalid_request';
  constructor() {
    super('error.misdirected');
  }
}
