import { BrokerError } from '../errors/broker-error.ts';

/** The upstream identity provider could not be reached or answered nonsense (discovery, token endpoint). */
export class UpstreamUnavailable extends BrokerError {
  readonly status = 502;
  readonly code = 'UPSTREAM.UNAVAILABLE';
  override readonly page = 'upstream-unavailable';
  override readonly oauthError = 'temporarily_unavailable';
  override readonly titleKey = 'upstream.unavailableTitle';
  constructor(upstreamName: string) {
    super('upstream.unavailable', { upstreamName });
  }
}

/** The person cancelled or the upstream refused the sign-in (`error=access_denied` and friends). */
export class UpstreamDenied extends BrokerError {
  readonly status = 403;
  readonly code = 'UPSTREAM.DENIED';
  override readonly page = 'upstream-denied';
  override readonly oauthError = 'access_denied';
  override readonly titleKey = 'upstream.deniedTitle';
  constructor(upstreamName: string) {
    super('upstream.denied', { upstreamName });
  }
}

/**
 * The callback matches no login transaction of this browser: tampered or replayed `state`, a transaction that
 * expired, or a callback opened in another browser. Nothing is exchanged in any of these cases.
 */
export class LoginTransactionInvalid extends BrokerError {
  readonly status = 400;
  readonly code = 'UPSTREAM.TRANSACTION_INVALID';
  override readonly page = 'login-expired';
  override readonly oauthError = 'invalid_request';
  override readonly titleKey = 'upstream.expiredTitle';
  constructor() {
    super('upstream.transactionInvalid');
  }
}

/** The ID token or code exchange failed validation at openid-client (wrong issuer, nonce, signature, ...). */
export class UpstreamResponseInvalid extends BrokerError {
  readonly status = 502;
  readonly code = 'UPSTREAM.RESPONSE_INVALID';
  override readonly page = 'upstream-unavailable';
  override readonly oauthError = 'server_error';
  override readonly titleKey = 'upstream.unavailableTitle';
  constructor(upstreamName: string) {
    super('upstream.responseInvalid', { upstreamName });
  }
}

export class UnknownUpstream extends BrokerError {
  readonly status = 404;
  readonly code = 'UPSTREAM.UNKNOWN';
  override readonly oauthError = 'invalid_request';
  constructor() {
    super('upstream.unknown');
  }
}

/**
 * The sign-in came back without proof of the fresh authentication it needed: the provider answered from its own
 * session (or gave no authentication time), so confirming an association or a portal's step-up cannot rest on it.
 */
export class ReauthenticationUnproven extends BrokerError {
  readonly status = 401;
  readonly code = 'UPSTREAM.REAUTHENTICATION_UNPROVEN';
  override readonly page = 'reauthentication-needed';
  override readonly oauthError = 'login_required';
  override readonly titleKey = 'upstream.reauthenticationTitle';
  constructor(upstreamName: string) {
    super('upstream.reauthenticationUnproven', { upstreamName });
  }
}
