import { errors, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { ClientConfig } from '../config/index.ts';
import type { AccountReader } from '../accounts/account-cache.ts';
import { meetsRequirement } from '../accounts/entitlement.ts';

const { Check, Prompt, base } = interactionPolicy;

/**
 * The interaction policy: oidc-provider's login and consent prompts, with an entitlement check between them.
 * It runs on every authorization request once the person is signed in — including silent SSO, where no
 * interaction happens — so a portal whose `requires` the account does not meet gets `access_denied` and never a
 * code. Throwing from the check makes oidc-provider answer the portal's redirect_uri with that error.
 */
export function createInteractionPolicy(clients: readonly ClientConfig[], accounts: AccountReader) {
  const requirements = new Map(clients.map((c) => [c.clientId, c.requires]));
  const policy = base();
  const entitlement = new Prompt(
    { name: 'entitlement', requestable: false },
    new Check('entitlement_missing', 'the account lacks an entitlement this client requires', async (ctx: KoaContextWithOIDC) => {
      const requires = requirements.get(ctx.oidc.client?.clientId ?? '');
      const accountId = ctx.oidc.session?.accountId;
      if (!requires || !accountId) return Check.NO_NEED_TO_PROMPT;
      const account = await accounts.findAccountById(accountId);
      if (account && meetsRequirement(account, requires)) return Check.NO_NEED_TO_PROMPT;
      throw new errors.AccessDenied(`an active ${requires.plans.join(' or ')} plan is required`);
    }),
  );
  policy.add(entitlement, policy.findIndex((prompt) => prompt.name === 'consent'));
  return policy;
}
