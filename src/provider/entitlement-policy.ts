import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { ClientConfig } from '../config/index.ts';
import type { MembershipReader } from '../accounts/people-directory.ts';
import { actingMembership } from '../accounts/acting-account.ts';
import { meetsRequirement } from '../accounts/entitlement.ts';
import type { AccountChoices } from './account-choices.ts';

const { Check, Prompt, base } = interactionPolicy;

/** The account picked in this interaction (the choice page's answer), if any. */
function chosenNow(ctx: KoaContextWithOIDC): string | undefined {
  const chosen = (ctx.oidc.result as { select_account?: { accountId?: unknown } } | undefined)?.select_account
    ?.accountId;
  return typeof chosen === 'string' ? chosen : undefined;
}

/**
 * The interaction policy: login, then the account (`select_account`) for a person who acts for several, then the
 * entitlement check, then consent. The checks run on every authorization request once the person is signed in —
 * including silent SSO, where no interaction happens — so a portal whose `requires` the chosen account does not
 * meet gets `access_denied` and never a code (after a page that explains why, where a person is there to read it).
 */
export function createInteractionPolicy(
  clients: readonly ClientConfig[],
  memberships: MembershipReader,
  choices: AccountChoices,
) {
  const requirements = new Map(clients.map((c) => [c.clientId, c.requires]));
  const policy = base();

  async function sessionMemberships(ctx: KoaContextWithOIDC) {
    const personId = ctx.oidc.session?.accountId;
    return personId ? memberships.membershipsOf(personId) : [];
  }

  const selectAccount = new Prompt(
    { name: 'select_account', requestable: true },
    // The choice page's answer is remembered for this portal and this session, once it is a membership that counts.
    new Check(
      'account_chosen',
      'the account chosen in this interaction is remembered',
      async (ctx: KoaContextWithOIDC) => {
        const chosen = chosenNow(ctx);
        const session = ctx.oidc.session;
        const clientId = ctx.oidc.client?.clientId;
        if (!chosen || !session || !clientId) return Check.NO_NEED_TO_PROMPT;
        const all = await sessionMemberships(ctx);
        // With one account there is nothing to remember (a Redis write per sign-in saved): it is the one acted for.
        if (all.length > 1 && actingMembership(all, chosen)) await choices.set(session.uid, clientId, chosen);
        return Check.NO_NEED_TO_PROMPT;
      },
    ),
    new Check(
      'select_account_prompt',
      'the client asked for the account to be chosen again',
      (ctx: KoaContextWithOIDC) =>
        ctx.oidc.prompts.has('select_account') && !chosenNow(ctx) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
    new Check(
      'account_choice_missing',
      'the person acts for several accounts and chose none for this client',
      async (ctx: KoaContextWithOIDC) => {
        const session = ctx.oidc.session;
        const clientId = ctx.oidc.client?.clientId;
        if (!session?.accountId || !clientId || chosenNow(ctx)) return Check.NO_NEED_TO_PROMPT;
        const all = await sessionMemberships(ctx);
        if (all.length <= 1) return Check.NO_NEED_TO_PROMPT;
        return actingMembership(all, await choices.get(session.uid, clientId))
          ? Check.NO_NEED_TO_PROMPT
          : Check.REQUEST_PROMPT;
      },
    ),
  );

  /** The account the person acts for at this portal, and whether it has what the portal requires. */
  async function entitlementOf(ctx: KoaContextWithOIDC) {
    const clientId = ctx.oidc.client?.clientId ?? '';
    const requires = requirements.get(clientId);
    const session = ctx.oidc.session;
    if (!requires || !session?.accountId) return { met: true } as const;
    const all = await sessionMemberships(ctx);
    // One account, nothing to choose: no Redis round trip for the choice.
    const acting =
      all.length <= 1
        ? all[0]
        : (actingMembership(all, chosenNow(ctx) ?? (await choices.get(session.uid, clientId))) ?? all[0]);
    return { met: Boolean(acting && meetsRequirement(acting.account, requires)), requires, acting } as const;
  }

  // Entitlements before effort: a person signing in interactively sees a broker page naming the plan, the account
  // and whom to ask (the prompt's details), and leaves it with access_denied for the portal; a silent request
  // (prompt=none) gets access_denied at once, as the check's error. Either way the portal never gets a code.
  const entitlement = new Prompt(
    { name: 'entitlement', requestable: false },
    new Check(
      'entitlement_missing',
      'the account lacks an entitlement this client requires',
      'access_denied',
      async (ctx: KoaContextWithOIDC) =>
        (await entitlementOf(ctx)).met ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT,
      async (ctx: KoaContextWithOIDC) => {
        const { requires, acting } = await entitlementOf(ctx);
        return {
          requiredPlans: requires?.plans ?? [],
          ...(acting ? { accountName: acting.account.name, customerNumber: acting.account.customerNumber } : {}),
        };
      },
    ),
  );
  const consentAt = policy.findIndex((prompt) => prompt.name === 'consent');
  policy.add(selectAccount, consentAt);
  policy.add(entitlement, consentAt + 1);
  return policy;
}
