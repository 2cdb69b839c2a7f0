import { BrokerError } from '../errors/broker-error.ts';
import type { MessageParams } from '../i18n/translator.ts';

/** The portal that asked for a link: named on the page about the link, and the way back to it. */
export interface LinkPortal {
  name?: string | undefined;
  homeUrl?: string | undefined;
}

/**
 * A problem with an e-mailed link: each has its own heading and message, names the portal that asked for the link
 * and leads back to it: to start again where nothing came of the link, or simply back where it did its work.
 */
abstract class LinkProblem extends BrokerError {
  override readonly page = 'link-problem';
  override readonly oauthError: string = 'invalid_request';
  override readonly titleKey: string;
  override readonly details: Readonly<Record<string, unknown>>;
  constructor(name: string, params: MessageParams = {}, portal: LinkPortal = {}, way: 'start-again' | 'back' = 'back') {
    super(`linkProblem.${name}`, params);
    this.titleKey = `linkProblem.${name}Title`;
    // Only what is known: a route that knows the portal itself (the upstream callback) names it otherwise.
    const details = {
      clientName: portal.name,
      [way === 'start-again' ? 'startAgainUrl' : 'portalHomeUrl']: portal.homeUrl,
    };
    this.details = Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));
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
  constructor(portal?: LinkPortal) {
    super('expired', {}, portal, 'start-again');
  }
}

export class LinkUsed extends LinkProblem {
  readonly status = 410;
  readonly code = 'LINK.USED';
  constructor(portal?: LinkPortal) {
    super('used', {}, portal, 'back');
  }
}

export class LinkSuperseded extends LinkProblem {
  readonly status = 410;
  readonly code = 'LINK.SUPERSEDED';
  constructor(portal?: LinkPortal) {
    super('superseded', {}, portal, 'back');
  }
}

export class LinkCancelled extends LinkProblem {
  readonly status = 410;
  readonly code = 'LINK.CANCELLED';
  constructor(portal?: LinkPortal) {
    super('cancelled', {}, portal, 'start-again');
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
