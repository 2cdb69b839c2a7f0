import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { Logger } from '../../log/logger.ts';
import { postedForm } from '../post-as-get.ts';
import { isBrowserNavigation, serverSideLogout, type ServerSideLogoutPorts } from './server-side-logout.ts';

const END_SESSION_PATH = '/session/end';

/**
 * Turns a request to the end-session endpoint into a serverSideLogout call and its outcome into the answer: 200 with
 * an empty body when the session ended or had ended already, 400 `invalid_request` as JSON when the hint is refused
 * (there is no browser to show a page to, nor a redirect to make), and everything else on to oidc-provider, a POST by
 * way of postAsGet (so this runs before it and leaves it the form it read).
 */
export function serverSideLogoutRoute(provider: Provider, ports: ServerSideLogoutPorts, logger: Logger): Middleware {
  const sessionCookie = provider.cookieName('session');
  return async (ctx, next) => {
    if (ctx.path !== END_SESSION_PATH || (ctx.method !== 'GET' && ctx.method !== 'POST')) return next();
    let parameters: URLSearchParams;
    if (ctx.method === 'GET') {
      parameters = new URLSearchParams(ctx.querystring);
    } else {
      // Not a form, or too large: postAsGet refuses it.
      const form = ctx.is('application/x-www-form-urlencoded') ? await postedForm(ctx) : undefined;
      if (form === undefined) return next();
      parameters = new URLSearchParams(form);
    }
    const decision = await serverSideLogout(
      {
        browser: isBrowserNavigation((name) => ctx.get(name)),
        sessionCookie: ctx.cookies.get(sessionCookie) !== undefined,
        parameters,
      },
      ports,
    );
    if (decision.outcome === 'not-server-side') return next();

    ctx.set('cache-control', 'no-store');
    if (decision.outcome === 'refused') {
      logger.info({ reason: decision.description }, 'server-side logout refused');
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: decision.description };
      return;
    }
    logger.info({ clientId: decision.clientId, outcome: decision.outcome }, 'server-side logout');
    // 200, not 204: oauth2-proxy's --backend-logout-url logs an error for any other status.
    ctx.status = 200;
    ctx.body = '';
  };
}
