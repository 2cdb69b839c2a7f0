import type { Middleware } from 'koa';

// oidc-provider's token endpoint (actions/token.js, allowedGrantTypeCheck) answers a client asking for a grant it is
// not registered for with `invalid_request`; RFC 6749 5.2 names that case `unauthorized_client`.
const NOT_ALLOWED = 'requested grant type is not allowed for this client';

function isRefusal(body: unknown): body is { error: string; error_description: string } {
  return (
    typeof body === 'object' &&
    body !== null &&
    'error' in body &&
    body.error === 'invalid_request' &&
    'error_description' in body &&
    body.error_description === NOT_ALLOWED
  );
}

/**
 * A portal asking the token endpoint for client credentials (only admin tools may) learns `unauthorized_client`,
 * the code a client library branches on, instead of a generic `invalid_request`.
 */
export function unauthorizedClientForGrantType(): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.method === 'POST' && ctx.path === '/token' && ctx.status === 400 && isRefusal(ctx.body)) {
      ctx.body = { ...ctx.body, error: 'unauthorized_client' };
    }
  };
}
