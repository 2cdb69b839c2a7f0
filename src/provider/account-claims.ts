import type { Account, FindAccount } from 'oidc-provider';
import type { AccountReader } from '../accounts/account-cache.ts';
import { activePlanTypes } from '../accounts/entitlement.ts';

/** Scope → claims, exactly the claims contract of DESIGN.md. oidc-provider releases a claim only for its scope. */
export const SCOPE_CLAIMS = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name'],
  customer: ['customer_number', 'plans'],
} as const;

/**
 * oidc-provider's `findAccount`: the subject is the account id (stable per account). Claims are read from the
 * account at issue time, so a plan that expires or a changed e-mail shows in the next token without re-linking.
 */
export function createFindAccount(accounts: AccountReader): FindAccount {
  return async (_ctx, sub): Promise<Account | undefined> => {
    const account = await accounts.findAccountById(sub);
    if (!account || account.status !== 'active') return undefined;
    return {
      accountId: sub,
      // oidc-provider calls findAccount once per request: the account it loaded is current enough for its claims.
      async claims() {
        return {
          sub,
          email: account.email,
          email_verified: true,
          name: account.name,
          customer_number: account.customerNumber,
          plans: activePlanTypes(account),
        };
      },
    };
  };
}
