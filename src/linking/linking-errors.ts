import { BrokerError } from '../errors/broker-error.ts';
import type { MessageParams } from '../i18n/translator.ts';

/** A problem with an e-mailed link: each has its own heading and message, and a way to start again. */
abstract class LinkProblem extends BrokerError {
  override readonly page = 'link-problem';
  override readonly oauthError: string = 'invalid_request';
  override readonly titleKey: string;
  override readonly details: Readonly<Record<string, unknown>>;
  constructor(name: string, params: MessageParams = {}, startAgainUrl?: string) {
    super(`linkProblem.${name}`, params);
    this.titleKey = `linkProblem.${name}Title`;
    this.details = { startAgainUrl };
  }
}

export class LinkNotFound extends LinkProblem {
  readonly status = 404;
  readonly code = 'LINK.NOT_FOUND';
  constructor() {
    super('notFound');
  }
}

export class LinkExpired extends LinkProblem {
  readonly status = 410;
  readonly code = 'LINK.EXPIRED';
  constructor(startAgainUrl?: string) {
    super('expired', {}, startAgainUrl);
  }
}

export class LinkUsed extends LinkProblem {
  readonly status = 410;
  readonly code = 'LINK.USED';
  constructor(startAgainUrl?: string) {
    super('used', {}, startAgainUrl);
  }
}

export class LinkSuperseded extends LinkProblem {
  readonly status = 410;
  readonly code = 'LINK.SUPERSEDED';
  constructor(startAgainUrl?: string) {
    super('superseded', {}, startAgainUrl);
  }
}

export class LinkCancelled extends LinkProblem {
  readonly status = 410;
  readonly code = 'LINK.CANCELLED';
  constructor(startAgainUrl?: string) {
    super('cancelled', {}, startAgainUrl);
  }
}

export class ConfirmationExpired extends LinkProblem {
  readonly status = 400;
  readonly code = 'LINK.CONFIRMATION_EXPIRED';
  constructor() {
    super('confirmationExpired');
  }
}

/** Someone other than the requesting identity signed in at confirmation. Nothing is linked; the link stays usable. */
export class IdentityMismatch extends LinkProblem {
  readonly status = 403;
  readonly code = 'LINK.IDENTITY_MISMATCH';
  constructor(upstreamName: string) {
    super('mismatch', { upstreamName });
  }
}

export class AccountAlreadyLinked extends LinkProblem {
  readonly status = 409;
  readonly code = 'LINK.ACCOUNT_ALREADY_LINKED';
  constructor(upstreamName: string, support: string) {
    super('alreadyLinked', { upstreamName, support });
  }
}

/** The "This wasn't me" link of a notice: not ours (or incomplete), or past its lifetime. Support is the way on. */
export class DisownLinkNotFound extends LinkProblem {
  readonly status = 404;
  readonly code = 'LINK.DISOWN_NOT_FOUND';
  constructor(support: string) {
    super('disownNotFound', { support });
  }
}

export class DisownLinkExpired extends LinkProblem {
  readonly status = 410;
  readonly code = 'LINK.DISOWN_EXPIRED';
  constructor(support: string) {
    super('disownExpired', { support });
  }
}

export class TooManyRequests extends LinkProblem {
  readonly status = 429;
  readonly code = 'LINK.TOO_MANY_REQUESTS';
  override readonly oauthError = 'slow_down';
  constructor() {
    super('tooMany');
  }
}
