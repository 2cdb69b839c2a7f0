/**
 * Base of every error the broker expects to happen. Like oidc-provider's OIDCProviderError, each subclass carries
 * what the one error handler needs: HTTP status, a namespaced code, whether its message may be shown, and the page
 * that explains it to a person.
 */
export abstract class BrokerError extends Error {
  abstract readonly status: number;
  /** Namespaced code (`LINK.EXPIRED`); also the OAuth `error` for API clients where `oauthError` is unset. */
  abstract readonly code: string;
  /** Page under views/pages rendered for browsers. */
  readonly page: string = 'error';
  /** RFC 6749 error code for JSON clients. */
  readonly oauthError: string = 'server_error';
  /** Whether `message` may reach the client (never for internal details). */
  readonly expose: boolean = true;
  /** Extra values the page may show (never secrets). */
  readonly details: Readonly<Record<string, unknown>> = {};
}

export class NotFound extends BrokerError {
  readonly status = 404;
  readonly code = 'HTTP.NOT_FOUND';
  override readonly oauthError = 'not_found';
  constructor() {
    super('The page you asked for does not exist.');
  }
}

export class ServiceUnavailable extends BrokerError {
  readonly status = 503;
  readonly code = 'SERVICE.UNAVAILABLE';
  override readonly oauthError = 'temporarily_unavailable';
  constructor(message = 'The service is temporarily unavailable. Please try again in a few minutes.') {
    super(message);
  }
}
