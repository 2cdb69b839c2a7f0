import type { Account, FindAccount } from 'oidc-provider';
import type { AccountStore } from '../accounts/account-store.ts';
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
 * account when asked for, so a plan that expires or a changed e-mail shows in the next token without re-linking.
 */
export function createFindAccount(accounts: AccountStore): FindAccount {
  return async (_ctx, sub): Promise<Account | undefined> => {
    const account = await accounts.findAccountById(sub);
    if (!account || account.status !== 'active') return undefined;
    return {
      accountId: sub,
      async claims() {
        const current = (await accounts.findAccountById(sub)) ?? account;
        return {
          sub,
          email: current.email,
          email_verified: true,
          name: current.name,
          customer_number: current.customerNumber,
          plans: activePlanTypes(current),
        };
      },
    };
  };
}
