import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { SignInDirectory } from '../../accounts/people-directory.ts';
import type { BrokerMetrics } from '../../metrics/broker-metrics.ts';
import { resolveSignIn, type SignInLog } from '../../sign-in/resolve-sign-in.ts';
import { decideSignIn } from '../../sign-in/decide-sign-in.ts';
import type { PortalDirectory } from '../../config/portal-directory.ts';
import type { UpstreamIdentity } from '../../upstream/upstream-identity.ts';
import { clientIdOf } from './interaction-client.ts';

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
export function linkedSignInFinisher(deps: {
  provider: Provider;
  directory: SignInDirectory;
  portals: PortalDirectory;
  metrics?: BrokerMetrics | undefined;
  /** Where each sign-in is listed for the person's own page. */
  signIns?: SignInLog | undefined;
}): SignInFinisher {
  return async (ctx, interactionUid, identity) => {
    const interaction = await deps.provider.Interaction.find(interactionUid);
    if (!interaction || interaction.prompt.name !== 'login' || interaction.session?.uid) return false;
    const outcome = await resolveSignIn(deps.directory, identity, clientIdOf(interaction), deps.signIns);
    const requires = deps.portals.get(interaction.params.client_id)?.requires;
    const step = decideSignIn({ outcome, identity, requires });
    if (step.kind !== 'finish') return false;
    deps.metrics?.signIns.inc({ outcome: outcome.kind });
    interaction.result = step.result;
    await interaction.save(Math.max(1, interaction.exp - Math.floor(Date.now() / 1000)));
    ctx.status = 303;
    ctx.redirect(interaction.returnTo);
    return true;
  };
}
