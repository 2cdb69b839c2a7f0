import { randomBytes } from 'node:crypto';
import type { Middleware } from 'koa';
import { editContentSecurityPolicy } from './content-security-policy.ts';

/**
 * The endpoints whose answer may be a page that submits or navigates by itself: oidc-provider's `form_post`
 * response (authorization and its resumption), its logout form without a session (end_session), the broker's own
 * logout continuation and front-channel page (end_session, end_session_confirm).
 */
const AUTO_SUBMIT_PATHS = /^\/(?:auth(?:\/[^/]+)?|session\/end(?:\/confirm)?)$/;

/** Where a page rendered on such an endpoint finds the nonce of its script. */
export function scriptNonceOf(ctx: { state: Record<string, unknown> }): string | undefined {
  return typeof ctx.state.scriptNonce === 'string' ? ctx.state.scriptNonce : undefined;
}

/**
 * Lets exactly the auto-submitting pages run their one inline script, and nothing else run anywhere. Every response
 * carries `default-src 'none'` without `script-src`. On the endpoints above, a `script-src` with a fresh nonce is
 * added before oidc-provider answers: oidc-provider appends the SHA-256 of its own script to an existing
 * `script-src` (helpers/script_src_sha.js; it reads no nonce), and the broker's pages use the nonce. A response that
 * holds no script (a redirect, JSON, an error page) loses the directive again.
 */
export function autoSubmitScripts(): Middleware {
  return async (ctx, next) => {
    if (!AUTO_SUBMIT_PATHS.test(ctx.path)) return next();
    // base64url: nothing in it that HTML escaping changes (CSP 3 allows "-" and "_" in a nonce).
    const nonce = randomBytes(16).toString('base64url');
    ctx.state.scriptNonce = nonce;
    editContentSecurityPolicy(ctx, (d) => d.set('script-src', [`'nonce-${nonce}'`]));
    try {
      await next();
    } finally {
      if (!(typeof ctx.body === 'string' && ctx.body.includes('<script'))) {
        editContentSecurityPolicy(ctx, (d) => d.delete('script-src'));
      }
    }
  };
}
