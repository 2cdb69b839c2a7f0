import { meetsRequirement } from '../accounts/entitlement.ts';
import type { Membership } from '../accounts/people-directory.ts';
import type { UpstreamIdentity } from '../upstream/upstream-identity.ts';
import type { SignInOutcome } from './resolve-sign-in.ts';

/** The plans a portal needs (`clients[].requires`); none: any active account will do. */
export type PlanRule = { plans: readonly string[] } | undefined;

/** An account on the choice page: those the portal's plan rule rules out are shown, but not offered. */
export interface AccountChoice {
  id: string;
  name: string;
  customerNumber: string;
  available: boolean;
}

/** What oidc-provider is told when the login finishes (its interaction result), as plain data. */
export type LoginResult = {
  login: { accountId: string; ts: number; amr: string[]; acr?: string };
  select_account: { accountId: string };
};

/** The next step of a sign-in back from upstream (or of a choice made on the account page). */
export type SignInStep =
  | { kind: 'associate' }
  | { kind: 'refuse'; reason: 'account-disabled' }
  | { kind: 'chooseAccount'; accounts: AccountChoice[] }
  | { kind: 'finish'; personId: string; accountId: string; result: LoginResult };

export interface SignInFacts {
  /** What the people directory knows of the upstream identity (resolveSignIn). */
  outcome: SignInOutcome;
  /** The upstream sign-in itself: its amr and acr go to the portal as they were. */
  identity: UpstreamIdentity | undefined;
  /** The portal's plan rule. */
  requires: PlanRule;
  /** The account picked on the choice page, when this is its answer (an untrusted form value). */
  chosenAccountId?: string | undefined;
  now?: Date;
}

/** The accounts of a person as the choice page lists them, oldest membership first. */
export function accountChoices(
  memberships: readonly Membership[],
  requires: PlanRule,
  now = new Date(),
): AccountChoice[] {
  return memberships.map(({ account }) => ({
    id: account.id,
    name: account.name,
    customerNumber: account.customerNumber,
    available: meetsRequirement(account, requires, now),
  }));
}

/**
 * The account choice rule, written once: a chosen account counts when the person is a member of it and the portal's
 * plan rule lets it in; anything else (another person's account, one lost meanwhile, one ruled out) counts as no
 * choice. Undefined: the choice page again.
 */
export function chosenMembership(
  memberships: readonly Membership[],
  chosenAccountId: string | undefined,
  requires: PlanRule,
  now = new Date(),
): Membership | undefined {
  const membership = memberships.find((m) => m.account.id === chosenAccountId);
  return membership && meetsRequirement(membership.account, requires, now) ? membership : undefined;
}

/**
 * The interaction result of a linked sign-in: auth_time, amr and acr say what the upstream authentication really
 * was (OpenID Connect Core 2); the account chosen goes along for the interaction policy to remember for this portal.
 */
export function loginResult(
  personId: string,
  authTime: number,
  identity: UpstreamIdentity | undefined,
  accountId: string,
): LoginResult {
  return {
    login: {
      accountId: personId,
      ts: authTime,
      amr: identity?.amr ?? ['fed'],
      ...(identity?.acr ? { acr: identity.acr } : {}),
    },
    select_account: { accountId },
  };
}

/**
 * The sign-in as a decision: from what is known to the next step. Not linked (no identity, or no membership left):
 * the association flow. Every account disabled: refused. A choice made on the account page: finish with it when it
 * counts, else ask again. No choice yet: one account finishes at once (a plan it lacks is then the interaction
 * policy's page, which names what is missing), several are offered on the choice page. HTTP only translates.
 */
export function decideSignIn({
  outcome,
  identity,
  requires,
  chosenAccountId,
  now = new Date(),
}: SignInFacts): SignInStep {
  if (outcome.kind === 'not-linked') return { kind: 'associate' };
  if (outcome.kind === 'account-disabled') return { kind: 'refuse', reason: 'account-disabled' };
  const finish = (membership: Membership): SignInStep => {
    const accountId = membership.account.id;
    return {
      kind: 'finish',
      personId: outcome.personId,
      accountId,
      result: loginResult(outcome.personId, outcome.authTime, identity, accountId),
    };
  };
  // Built only when the page is shown: most sign-ins finish with their one account.
  const ask = (): SignInStep => ({
    kind: 'chooseAccount',
    accounts: accountChoices(outcome.memberships, requires, now),
  });
  if (chosenAccountId !== undefined) {
    const chosen = chosenMembership(outcome.memberships, chosenAccountId, requires, now);
    return chosen ? finish(chosen) : ask();
  }
  const [only, ...others] = outcome.memberships;
  return only && others.length === 0 ? finish(only) : ask();
}
