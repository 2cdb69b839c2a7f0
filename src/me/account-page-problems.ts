import { BrokerError } from '../errors/broker-error.ts';

/**
 * What the person's own page answers when a request cannot do what it asked: each has its heading and message
 * (views/locales `me.problem.*`), and the page leads back to /me (or to signing in again).
 */
export class AccountPageProblem extends BrokerError {
  override readonly page = 'me-problem';
  override readonly oauthError = 'invalid_request';
  override readonly titleKey: string;
  readonly status: number;
  readonly code: string;

  constructor(name: AccountPageProblemName, status: number) {
    super(`me.problem.${name}`);
    this.titleKey = `me.problem.${name}Title`;
    this.status = status;
    this.code = `ME.${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
  }
}

export type AccountPageProblemName =
  /** An id in a form or URL that is not one of the person's (another person's, or gone already). */
  | 'notYours'
  /** The page's session ended (signed out everywhere, expired, or its sign-in was removed). */
  | 'signedOut'
  /** The sign-in that opened the page is linked to no customer account (yet). */
  | 'notLinked'
  /** The sign-in proved upstream is not the one the step asked for. */
  | 'wrongSignIn'
  | 'lastSignIn'
  | 'lastMember'
  | 'signInOfSomeoneElse'
  | 'noAccount'
  | 'tooMany';

export const problem = (name: AccountPageProblemName, status = 400) => new AccountPageProblem(name, status);
