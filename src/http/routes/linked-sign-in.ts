import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { SignInDirectory } from '../../accounts/people-directory.ts';
import type { BrokerMetrics } from '../../metrics/broker-metrics.ts';
import { resolveSignIn, type SignInOutcome } from '../../linking/sign-in.ts';
import type { UpstreamIdentity } from '../../upstream/upstream-client.ts';

type Linked = Extract<SignInOutcome, { kind: 'linked' }>;

/**
 * The interaction result of a linked sign-in: auth_time, amr and acr say what the upstream authentication really
 * was (OpenID Connect Core 2); the account chosen goes along for the interaction policy to remember for this portal.
 */
export function loginResult(outcome: Linked, identity: UpstreamIdentity | undefined, accountId: string) {
  return {
    login: {
      accountId: outcome.personId,
      ts: outcome.authTime,
      amr: identity?.amr ?? ['fed'],
      ...(identity?.acr ? { acr: identity.acr } : {}),
    },
    select_account: { accountId },
  };
}

/** Finishes a portal sign-in at the upstream callback when nothing is left to ask; false when a page must ask. */
export type SignInFinisher = (ctx: Context, interactionUid: string, identity: UpstreamIdentity) => Promise<boolean>;

/**
 * The common case straight from the upstream callback: a linked identity of a person with one account. The
 * interaction is finished there and the browser goes on to oidc-provider's resume, instead of a stop at
 * `/interaction/:uid/continue` that would read the interaction twice and the identity twice more. The login
 * transaction that brought the browser here was started by this interaction's own page, after its cookie was
 * checked, and the upstream state cookie binds it to this browser; the resume then checks the interaction's resume
 * cookie, as it does after /continue. Everything else (not linked, several accounts, a disabled account, an
 * interaction within an existing session) goes through /continue and its pages.
 */
export function linkedSignInFinisher(deps: { provider: Provider; signIns: SignInDirectory; metrics?: BrokerMetrics | undefined }): SignInFinisher {
  return async (ctx, interactionUid, identity) => {
    const interaction = await deps.provider.Interaction.find(interactionUid);
    if (!interaction || interaction.prompt.name !== 'login' || interaction.session?.uid) return false;
    const outcome = await resolveSignIn(deps.signIns, identity);
    const [only] = outcome.kind === 'linked' ? outcome.memberships : [];
    if (outcome.kind !== 'linked' || outcome.memberships.length !== 1 || !only) return false;
    deps.metrics?.signIns.inc({ outcome: outcome.kind });
    interaction.result = loginResult(outcome, identity, only.account._id.toHexString());
    await interaction.save(Math.max(1, interaction.exp - Math.floor(Date.now() / 1000)));
    ctx.status = 303;
    ctx.redirect(interaction.returnTo);
    return true;
  };
}
