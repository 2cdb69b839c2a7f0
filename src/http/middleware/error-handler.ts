import type { Middleware } from 'koa';
import { BrokerError, NotFound } from '../../errors/broker-error.ts';
import type { ViewRenderer } from '../views.ts';

const GENERIC_MESSAGE = 'Something went wrong on our side. Please try again later.';

/**
 * The one place that turns errors into responses: an HTML page for people, RFC 6749-style JSON
 * (`{error, error_description}`) for programs. Unexpected errors are logged with their stack and answered with a
 * generic message, so no internal detail reaches a client.
 */
export function errorHandler(views: ViewRenderer): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new NotFound();
    } catch (error) {
      const known = error instanceof BrokerError ? error : undefined;
      const status = known?.status ?? 500;
      const message = known?.expose ? known.message : GENERIC_MESSAGE;
      if (known && status < 500) ctx.state.log?.info({ code: known.code, status }, 'request refused');
      else ctx.state.log?.error({ err: error }, 'request failed');

      ctx.status = status;
      ctx.set('Cache-Control', 'no-store');
      if (ctx.accepts('html', 'json') === 'html') {
        ctx.type = 'html';
        ctx.body = views.render(known?.page ?? 'error', {
          title: status >= 500 ? 'Something went wrong' : 'We could not complete your request',
          message,
          requestId: ctx.state.requestId,
          ...known?.details,
        });
      } else {
        ctx.body = { error: known?.oauthError ?? 'server_error', error_description: message };
      }
    }
  };
}
