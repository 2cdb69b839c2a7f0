import type { Middleware } from 'koa';
import { BrokerError, NotFound, PayloadTooLarge, ServiceUnavailable } from '../../errors/broker-error.ts';
import { storeOutageOf } from '../../store/outage.ts';
import type { BrokerMetrics } from '../../metrics/broker-metrics.ts';
import type { ViewRenderer } from '../../web/views.ts';

/**
 * Errors of libraries that mean something we have a page for: a body parser's 413, a store that cannot be reached
 * (wherever the request met it). Everything else unexpected stays a 500.
 */
function knownError(error: unknown): BrokerError | undefined {
  if (error instanceof BrokerError) return error;
  if ((error as { status?: unknown } | null)?.status === 413) return new PayloadTooLarge();
  if (storeOutageOf(error)) return new ServiceUnavailable(error);
  return undefined;
}

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
      const known = knownError(error);
      const status = known?.status ?? 500;
      metrics?.refusals.inc({ code: known?.code ?? 'INTERNAL' });
      if (known && status < 500) ctx.state.log?.info({ code: known.code, status }, 'request refused');
      // Every 5xx with its cause: for an outage, the store's own error, not our wrapper.
      else
        ctx.state.log?.error({ err: known?.cause ?? error, code: known?.code ?? 'INTERNAL', status }, 'request failed');
      if (known instanceof ServiceUnavailable) ctx.set('Retry-After', String(known.retryAfterSeconds));

      const text = (locale: string) => ({
        title: translator.t(
          locale,
          known?.titleKey ?? (status >= 500 ? 'error.titleServer' : 'error.titleClient'),
          known?.params,
        ),
        message: known?.expose
          ? translator.t(locale, known.messageKey, known.params)
          : translator.t(locale, 'error.generic'),
      });
      ctx.status = status;
      ctx.set('Cache-Control', 'no-store');
      if (ctx.accepts('html', 'json') === 'html') {
        const locale = ctx.state.locale ?? translator.defaultLocale;
        ctx.type = 'html';
        const portal = ctx.state.portal as { name: string; homeUrl?: string } | undefined;
        ctx.body = views.render(known?.page ?? 'error', {
          // The portal the person came from, when the failing route knew it: named, and the way back offered.
          ...(portal ? { clientName: portal.name, portalHomeUrl: portal.homeUrl } : {}),
          ...known?.params,
          ...known?.details,
          ...text(locale),
          locale,
          requestId: ctx.state.requestId,
        });
      } else {
        ctx.body = {
          error: known?.oauthError ?? 'server_error',
          error_description: text(translator.defaultLocale).message,
        };
      }
    }
  };
}
