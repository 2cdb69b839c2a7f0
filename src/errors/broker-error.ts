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

export class ServiceUnavailable extends BrokerError {
  readonly status = 503;
  readonly code = 'SERVICE.UNAVAILABLE';
  override readonly oauthError = 'temporarily_unavailable';
  constructor() {
    super('error.unavailable');
  }
}
