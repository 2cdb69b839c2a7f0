import type { Context, Middleware } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { freshnessAskedBy } from '../../upstream/authentication-evidence.ts';
import type { Federation } from '../../upstream/federation.ts';
import { setUpstreamStateCookie } from './upstream-state-cookie.ts';
import { clientIdOf } from './interaction-client.ts';

/** What starting an upstream login needs of an oidc-provider interaction. */
export interface LoginInteraction {
  uid: string;
  params: Record<string, unknown>;
}

/**
 * Starts the upstream login of a portal sign-in: the login transaction stored, this browser bound to it by the
 * upstream state cookie. Resolves with the upstream's authorization URL, where the browser goes next.
 */
export async function startInteractionLogin(
  ctx: Context,
  federation: Federation,
  upstreamId: string,
  interaction: LoginInteraction,
  fresh: { maxAge?: number } = {},
): Promise<URL> {
  const started = await federation.start({
    upstreamId,
    purpose: { kind: 'interaction', interactionUid: interaction.uid },
    clientId: clientIdOf(interaction),
    ...freshnessAskedBy(interaction.params),
    ...fresh,
  });
  setUpstreamStateCookie(ctx, started.state);
  return started.url;
}

/**
 * oidc-provider middleware: with one upstream, the authorization request that opens a login interaction sends the
 * browser straight to that upstream, instead of to `/interaction/:uid`, whose only work would be to read the
 * interaction back and redirect there (one request and two Redis round trips less per sign-in). The login
 * transaction leaves in the request's MULTI with the interaction. The interaction cookie keeps the path of the
 * interaction pages, which the association flow needs later. Until the upstream's discovery is at hand (the first
 * sign-in, or after it failed or aged), the browser goes to the interaction page as before: that page discovers, and
 * says what went wrong if the upstream cannot be reached.
 */
export function straightUpstream(federation: Federation): Middleware {
  return async (ctx, next) => {
    await next();
    const interaction = (ctx as KoaContextWithOIDC).oidc?.entities.Interaction;
    if (!interaction || ctx.status !== 303 || interaction.prompt.name !== 'login') return;
    if (ctx.response.get('Location') !== `/interaction/${interaction.uid}`) return;
    const [only, ...others] = federation.list();
    if (!only || others.length > 0 || !federation.client(only.id).discovered) return;
    ctx.redirect((await startInteractionLogin(ctx, federation, only.id, interaction)).href);
  };
}
