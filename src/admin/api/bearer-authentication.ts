import type { Middleware } from 'koa';
import { AdminForbidden, AdminUnauthenticated } from '../admin-errors.ts';
import type { AdminActor, AdminRole } from '../admin-roles.ts';
import type { AccessTokenLookup } from './access-tokens.ts';

declare module 'koa' {
  interface DefaultState {
    /** The admin client calling the admin API, set by bearerAuthentication. */
    adminActor?: AdminActor;
  }
}

// RFC 6750 2.1: b64token syntax; anything else is not a bearer token at all.
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/;

/**
 * RFC 6750: the access token from the Authorization header only (never a query parameter, which would end up in
 * logs), issued by the broker to a client listed under `admin.clients` with a role. Unknown token: 401; a valid
 * token of a client without a role: 403.
 */
export function bearerAuthentication(lookup: AccessTokenLookup, roles: ReadonlyMap<string, AdminRole>): Middleware {
  return async (ctx, next) => {
    const token = BEARER.exec(ctx.get('authorization'))?.[1];
    const clientId = token ? await lookup(token) : undefined;
    if (!clientId) throw new AdminUnauthenticated();
    const role = roles.get(clientId);
    if (!role) throw new AdminForbidden('support or admin');
    ctx.state.adminActor = { id: clientId, role, ip: ctx.ip };
    await next();
  };
}
