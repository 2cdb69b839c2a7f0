import { BrokerError } from '../errors/broker-error.ts';

/** A problem with an e-mailed link: each has its own heading and message, and a way to start again. */
abstract class LinkProblem extends BrokerError {
  override readonly page = 'link-problem';
  override readonly oauthError = 'invalid_request';
  override readonly details: Readonly<Record<string, unknown>>;
  constructor(title: string, message: string, startAgainUrl?: string) {
    super(message);
    this.details = { title, startAgainUrl };
  }
}

export class LinkNotFound extends LinkProblem {
  readonly status = 404;
  readonly code = 'LINK.NOT_FOUND';
  constructor() {
    super('This link is not valid', 'This link is incomplete or not valid. Please use the whole link from the e-mail, or sign in to the portal again to request a new one.');
  }
}

export class LinkExpired extends LinkProblem {
  readonly status = 410;
  readonly code = 'LINK.EXPIRED';
  constructor(startAgainUrl?: string) {
    super('This link has expired', 'The link in your e-mail is no longer valid. Sign in to the portal again to request a new one.', startAgainUrl);
  }
}

export class LinkUsed extends LinkProblem {
  readonly status = 410;
  readonly code = 'LINK.USED';
  constructor(startAgainUrl?: string) {
    super('This link was already used', 'Your sign-in is already associated with your customer account. You can simply sign in to the portal.', startAgainUrl);
  }
}

export class LinkSuperseded extends LinkProblem {
  readonly status = 410;
  readonly code = 'LINK.SUPERSEDED';
  constructor(startAgainUrl?: string) {
    super('A newer link was sent', 'You asked for another e-mail after this one. Please use the link in the newest e-mail.', startAgainUrl);
  }
}

export class LinkCancelled extends LinkProblem {
  readonly status = 410;
  readonly code = 'LINK.CANCELLED';
  constructor(startAgainUrl?: string) {
    super('This link was cancelled', 'This request was cancelled. If you do want to associate your sign-in, sign in to the portal again.', startAgainUrl);
  }
}

export class ConfirmationExpired extends LinkProblem {
  readonly status = 400;
  readonly code = 'LINK.CONFIRMATION_EXPIRED';
  constructor() {
    super('The confirmation took too long', 'Please open the link from your e-mail again and confirm once more.');
  }
}

/** Someone other than the requesting identity signed in at confirmation. Nothing is linked; the link stays usable. */
export class IdentityMismatch extends LinkProblem {
  readonly status = 403;
  readonly code = 'LINK.IDENTITY_MISMATCH';
  constructor(upstreamName: string) {
    super(
      'This is a different sign-in',
      `You signed in with a different ${upstreamName} account than the one that asked for this link. Nothing was associated. Open the link again and sign in with the account you used on the portal.`,
    );
  }
}

export class AccountAlreadyLinked extends LinkProblem {
  readonly status = 409;
  readonly code = 'LINK.ACCOUNT_ALREADY_LINKED';
  constructor(upstreamName: string, support: string) {
    super(
      'This customer account is already associated',
      `The customer account is already associated with another ${upstreamName} sign-in. If you need to change that, please write to ${support}.`,
    );
  }
}

export class TooManyRequests extends BrokerError {
  readonly status = 429;
  readonly code = 'LINK.TOO_MANY_REQUESTS';
  override readonly page = 'link-problem';
  override readonly oauthError = 'slow_down';
  override readonly details = { title: 'Please try again later' };
  constructor() {
    super('There have been too many requests. Please wait an hour and try again.');
  }
}
