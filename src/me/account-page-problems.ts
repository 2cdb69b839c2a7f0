import { BrokerError } from '../errors/broker-error.ts';

/**
 * What the person's own page answers when a request cannot do what it asked: each problem has its heading and
 * message (views/locales `me.problem.*`), changes nothing, and its page leads back to /me.
 */
abstract class AccountPageProblem extends BrokerError {
  override readonly page = 'me-problem';
  override readonly oauthError: string = 'invalid_request';
  override readonly titleKey: string;

  constructor(name: string) {
    super(`me.problem.${name}`);
    this.titleKey = `me.problem.${name}Title`;
  }
}

/** An id in a form or URL that is not one of the person's (another person's, or gone since the page was shown). */
export class NotYours extends AccountPageProblem {
  readonly status = 404;
  readonly code = 'ME.NOT_YOURS';
  constructor() {
    super('notYours');
  }
}

/** The page's session ended (expired, signed out everywhere, or its sign-in was removed). */
export class PageSignedOut extends AccountPageProblem {
  readonly status = 401;
  readonly code = 'ME.SIGNED_OUT';
  constructor() {
    super('signedOut');
  }
}

/** The sign-in that opened the page is linked to no customer account (yet). */
export class SignInNotLinked extends AccountPageProblem {
  readonly status = 403;
  readonly code = 'ME.NOT_LINKED';
  constructor() {
    super('notLinked');
  }
}

/** The sign-in proved upstream is not the one the step asked for. */
export class WrongSignIn extends AccountPageProblem {
  readonly status = 403;
  readonly code = 'ME.WRONG_SIGN_IN';
  constructor() {
    super('wrongSignIn');
  }
}

/** The person's only sign-in: without it they could not sign in at all. */
export class LastSignIn extends AccountPageProblem {
  readonly status = 409;
  readonly code = 'ME.LAST_SIGN_IN';
  constructor() {
    super('lastSignIn');
  }
}

/** Nobody else signs in for the account: leaving would leave no way in. */
export class LastMember extends AccountPageProblem {
  readonly status = 409;
  readonly code = 'ME.LAST_MEMBER';
  constructor() {
    super('lastMember');
  }
}

/** The sign-in to add is linked to another person. */
export class SignInOfSomeoneElse extends AccountPageProblem {
  readonly status = 409;
  readonly code = 'ME.SIGN_IN_OF_SOMEONE_ELSE';
  constructor() {
    super('signInOfSomeoneElse');
  }
}

/** The person acts for no account, so a new sign-in has nothing to be linked to. */
export class NoAccountToLink extends AccountPageProblem {
  readonly status = 409;
  readonly code = 'ME.NO_ACCOUNT';
  constructor() {
    super('noAccount');
  }
}

/** More changes than the hourly limit allows. */
export class TooManyChanges extends AccountPageProblem {
  readonly status = 429;
  readonly code = 'ME.TOO_MANY';
  override readonly oauthError = 'slow_down';
  constructor() {
    super('tooMany');
  }
}

/** Whether `error` is one of the page's problems (rendered by the page itself, with the way to the portals). */
export function isAccountPageProblem(error: unknown): error is BrokerError {
  return error instanceof AccountPageProblem;
}
