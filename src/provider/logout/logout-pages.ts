import type { KoaContextWithOIDC } from 'oidc-provider';
import { scriptNonceOf } from '../auto-submit-scripts.ts';
import type { PortalDirectory } from '../../config/portal-directory.ts';
import type { RenderPage } from '../render-page.ts';

/**
 * True when the logout request carries an ID token issued in this very browser session: oidc-provider has checked
 * its signature and audience, and its `sid` is the one this session holds for that portal. Only then is the request
 * certainly the portal's, sent on behalf of the person signed in here; any other request (no hint, a hint from
 * another session, one an attacker obtained for their own account) could be a forged logout, so the person is asked.
 */
function hintNamesThisSession(ctx: KoaContextWithOIDC): boolean {
  const hint = ctx.oidc.entities.IdTokenHint as { payload?: { sid?: unknown } } | undefined;
  const clientId = ctx.oidc.client?.clientId;
  const sid = hint?.payload?.sid;
  return typeof sid === 'string' && clientId !== undefined && ctx.oidc.session?.sidFor(clientId) === sid;
}

/** oidc-provider's `rpInitiatedLogout` pages, in the broker's layout and language. */
export function logoutPages(renderPage: RenderPage, portals: PortalDirectory) {
  const clientNameOf = (ctx: KoaContextWithOIDC) => portals.get(ctx.oidc.client?.clientId)?.name;
  return {
    /** `form` is oidc-provider's form posting the logout confirmation (with its CSRF token) to end_session_confirm. */
    async logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
      ctx.type = 'html';
      ctx.body = hintNamesThisSession(ctx)
        ? renderPage(ctx, 'logout-continue', {
            titleKey: 'logout.title',
            form,
            clientName: clientNameOf(ctx),
            scriptNonce: scriptNonceOf(ctx),
          })
        : renderPage(ctx, 'logout', { titleKey: 'logout.title', form, clientName: clientNameOf(ctx) });
    },
    async postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
      ctx.type = 'html';
      ctx.body = renderPage(ctx, 'logged-out', { titleKey: 'loggedOut.title', clientName: clientNameOf(ctx) });
    },
  };
}
