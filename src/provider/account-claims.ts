import type { Account, FindAccount, KoaContextWithOIDC } from 'oidc-provider';
import { actingMembership } from '../accounts/acting-account.ts';
import { activePlanTypes } from '../accounts/entitlement.ts';
import type { Membership, MembershipReader } from '../accounts/people-directory.ts';
import type { AccountChoices } from './account-choices.ts';

/** Scope → claims, exactly the claims contract of DESIGN.md. oidc-provider releases a claim only for its scope. */
export const SCOPE_CLAIMS = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name'],
  customer: ['customer_number', 'account_name', 'plans'],
} as const;

/** What a token or a request says about the session and the portal it belongs to. */
interface SessionReference {
  sessionUid?: string;
  clientId?: string;
}

/**
 * The membership a request acts for: the account chosen for this portal in this session, or the only one.
 * A person with several accounts and no choice that still counts gets the oldest membership, so that a token
 * outliving its choice still names a real account of the person; the interaction policy asks before that happens.
 */
export async function membershipFor(
  ctx: KoaContextWithOIDC,
  personId: string,
  memberships: MembershipReader,
  choices: AccountChoices,
  token?: SessionReference,
): Promise<Membership | undefined> {
  const all = await memberships.membershipsOf(personId);
  // Most people act for one account: no choice to look up (a Redis round trip on every token request saved).
  if (all.length <= 1) return all[0];
  const sessionUid = token?.sessionUid ?? ctx.oidc.session?.uid;
  const clientId = token?.clientId ?? ctx.oidc.client?.clientId;
  const chosen = sessionUid && clientId ? await choices.get(sessionUid, clientId) : undefined;
  return actingMembership(all, chosen) ?? all[0];
}

/**
 * oidc-provider's `findAccount`: the subject is the person (the same whichever account or sign-in). Claims are those
 * of the account the person acts for at this portal, read at issue time, so a plan that expires or a changed
 * address shows in the next token without re-linking.
 */
export function createFindAccount(memberships: MembershipReader, choices: AccountChoices): FindAccount {
  return async (ctx, sub, token): Promise<Account | undefined> => {
    const acting = await membershipFor(ctx, sub, memberships, choices, token as SessionReference | undefined);
    if (!acting) return undefined;
    const { account, contact } = acting;
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          email: contact.email,
          email_verified: true,
          name: contact.name ?? account.name,
          customer_number: account.customerNumber,
          account_name: account.name,
          plans: activePlanTypes(account),
        };
      },
    };
  };
}
