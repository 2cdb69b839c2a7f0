import Tokens from 'csrf';
import type { Middleware } from 'koa';
import { BrokerError } from '../errors/broker-error.ts';
import { formBody } from './form-body.ts';

export class CsrfRejected extends BrokerError {
  readonly status = 403;
  readonly code = 'HTTP.CSRF';
  override readonly oauthError = 'invalid_request';
  constructor() {
    super('error.csrf');
  }
}

const SECRET_COOKIE = 'ib.csrf';
const tokens = new Tokens();

declare module 'koa' {
  interface DefaultState {
    /** Token for the hidden `_csrf` field of every form on the page being rendered. */
    csrfToken: () => string;
  }
}

/**
 * Synchronizer-token CSRF protection (pillarjs `csrf`): a secret in a signed, httpOnly cookie, a token derived
 * from it in every form, verified in constant time on every state-changing request. Used on the broker's own
 * routes only; oidc-provider's endpoints have their own protections.
 */
export function csrfProtection(): Middleware {
  return async (ctx, next) => {
    let secret = ctx.cookies.get(SECRET_COOKIE, { signed: true });
    ctx.state.csrfToken = () => {
      if (!secret) {
        secret = tokens.secretSync();
        ctx.cookies.set(SECRET_COOKIE, secret, { signed: true, httpOnly: true, sameSite: 'lax', overwrite: true });
      }
      return tokens.create(secret);
    };
    if (!['GET', 'HEAD', 'OPTIONS'].includes(ctx.method)) {
      const submitted = formBody(ctx)._csrf;
      if (!secret || typeof submitted !== 'string' || !tokens.verify(secret, submitted)) throw new CsrfRejected();
    }
    await next();
  };
}
