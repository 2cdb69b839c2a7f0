import type { Middleware } from 'koa';
import { BrokerError, NotFound } from '../../errors/broker-error.ts';
import type { BrokerMetrics } from '../../metrics/broker-metrics.ts';
import type { ViewRenderer } from '../views.ts';

/**
 * The one place that turns errors into responses: an HTML page for people (in their language), RFC 6749-style
 * JSON (`{error, error_description}`, in English) for programs. Unexpected errors are logged with their stack and
 * answered with a generic message, so no internal detail reaches a client.
 */
export function errorHandler(views: ViewRenderer, metrics?: BrokerMetrics): Middleware {
  const { translator } = views;
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new NotFound();
    } catch (error) {
      const known = error instanceof BrokerError ? error : undefined;
      const status = known?.status ?? 500;
      metrics?.refusals.inc({ code: known?.code ?? 'INTERNAL' });
      if (known && status < 500) ctx.state.log?.info({ code: known.code, status }, 'request refused');
      else ctx.state.log?.error({ err: error }, 'request failed');

      const text = (locale: string) => ({
        title: translator.t(locale, known?.titleKey ?? (status >= 500 ? 'error.titleServer' : 'error.titleClient'), known?.params),
        message: known?.expose ? translator.t(locale, known.messageKey, known.params) : translator.t(locale, 'error.generic'),
      });
      ctx.status = status;
      ctx.set('Cache-Control', 'no-store');
      if (ctx.accepts('html', 'json') === 'html') {
        const locale = ctx.state.locale ?? translator.defaultLocale;
        ctx.type = 'html';
        ctx.body = views.render(known?.page ?? 'error', {
          ...known?.params,
          ...known?.details,
          ...text(locale),
          locale,
          requestId: ctx.state.requestId,
        });
      } else {
        ctx.body = { error: known?.oauthError ?? 'server_error', error_description: text(translator.defaultLocale).message };
      }
    }
  };
}
