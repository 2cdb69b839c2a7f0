import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { ClientConfig } from '../../config/index.ts';
import { scriptNonceOf } from '../auto-submit-scripts.ts';
import { editContentSecurityPolicy } from '../content-security-policy.ts';
import type { RenderPage } from '../render-page.ts';

/**
 * `sid` in every ID token, not only for portals with a back-channel logout URI (oidc-provider's rule): the `sid` of
 * a front-channel logout request, and of a back-channel logout token, is how a portal knows which of its sessions
 * ended.
 */
export function nameSessionsInIdTokens(provider: Provider): void {
  provider.Client.prototype.includeSid = () => true;
}

/** The portals' front-channel logout URIs, by client id. */
export function frontchannelLogoutUris(clients: readonly ClientConfig[]): ReadonlyMap<string, string> {
  return new Map(
    clients.flatMap((c) => (c.frontchannelLogoutUri ? [[c.clientId, c.frontchannelLogoutUri] as const] : [])),
  );
}

/**
 * One frame URL per ended portal session that has a front-channel logout URI (`iss` and `sid` in the query), and
 * the page's `frame-src` widened to exactly their origins.
 */
export function frontchannelFrames(
  ctx: Context,
  logoutUris: ReadonlyMap<string, string>,
  issuer: string,
  ended: ReadonlyArray<{ clientId: string; sid?: string | undefined }>,
): string[] {
  const frames = ended.flatMap(({ clientId, sid }) => {
    const uri = logoutUris.get(clientId);
    if (!uri) return [];
    const url = new URL(uri);
    url.searchParams.set('iss', issuer);
    if (sid) url.searchParams.set('sid', sid);
    return [url.href];
  });
  if (frames.length > 0) {
    editContentSecurityPolicy(ctx, (d) => d.set('frame-src', [...new Set(frames.map((f) => new URL(f).origin))]));
  }
  return frames;
}

/** Whether oidc-provider handled the request: its routes give the context `oidc` (the request's parameters). */
function handledByProvider(ctx: Context): ctx is KoaContextWithOIDC {
  return 'oidc' in ctx && typeof ctx.oidc === 'object' && ctx.oidc !== null;
}

/**
 * OpenID Connect Front-Channel Logout 1.0, which oidc-provider 9 no longer implements. When a logout confirmation
 * ends the session for portals with a `frontchannelLogoutUri`, the redirect oidc-provider answers with becomes the
 * signed-out page: one hidden iframe per such portal (`iss` and `sid` in the query), then on to where oidc-provider
 * was going (the portal's post-logout URI or the broker's signed-out page). The page's `frame-src` names exactly those
 * portals; its script continues once the frames have loaded, and a link does so without JavaScript.
 *
 * The session is read before oidc-provider ends it: afterwards its per-portal `sid`s are gone.
 */
export function frontchannelLogout(
  provider: Provider,
  clients: readonly ClientConfig[],
  issuer: string,
  renderPage: RenderPage,
): Middleware {
  const logoutUris = frontchannelLogoutUris(clients);
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== '/session/end/confirm' || logoutUris.size === 0) return next();
    const session = await provider.Session.get(ctx);
    const sids = Object.entries(session.authorizations ?? {}).map(([clientId, { sid }]) => ({ clientId, sid }));
    const askingPortal = (session.state as { clientId?: string } | undefined)?.clientId;
    await next();

    const continueUrl = ctx.response.get('location');
    if (ctx.status !== 303 || !continueUrl || !handledByProvider(ctx)) return;
    // "logout" is the answer "yes, every portal"; without it only the asking portal's part of the session ended.
    const everyPortal = Boolean(ctx.oidc.params?.logout);
    const ended = sids.filter(({ clientId }) => everyPortal || clientId === askingPortal);
    const frames = frontchannelFrames(ctx, logoutUris, issuer, ended);
    if (frames.length === 0) return;

    ctx.remove('location');
    ctx.status = 200;
    ctx.type = 'html';
    ctx.body = renderPage(ctx, 'logout-frontchannel', {
      titleKey: 'loggedOut.title',
      frames,
      continueUrl,
      scriptNonce: scriptNonceOf(ctx),
    });
  };
}
