import { BrokerError } from '../../errors/broker-error.ts';

/** The sign-in (oidc-provider interaction) is over, unknown, or belongs to another browser. */
export class InteractionExpired extends BrokerError {
  readonly status = 400;
  readonly code = 'INTERACTION.EXPIRED';
  override readonly page = 'login-expired';
  override readonly oauthError = 'invalid_request';
  override readonly titleKey = 'upstream.expiredTitle';
  constructor() {
    super('interaction.expired');
  }
}

/** The identity is linked to an account that support has disabled. */
export class AccountDisabled extends BrokerError {
  readonly status = 403;
  readonly code = 'ACCOUNT.DISABLED';
  override readonly oauthError = 'access_denied';
  constructor(support: string) {
    super('interaction.accountDisabled', { support });
  }
}
