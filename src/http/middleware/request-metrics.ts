import type { Middleware } from 'koa';
import type { BrokerMetrics } from '../../metrics/broker-metrics.ts';

/**
 * Times every request. The route label is the router's pattern (`/interaction/:uid/continue`) or, for
 * oidc-provider's endpoints, the first path segment (`/token`, `/auth`): never a raw path with ids in it.
 */
export function requestMetrics(metrics: BrokerMetrics): Middleware {
  return async (ctx, next) => {
    const stop = metrics.httpRequests.startTimer({ method: ctx.method });
    try {
      await next();
    } finally {
      const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      const route = typeof matched === 'string' ? matched : `/${ctx.path.split('/')[1] ?? ''}`;
      stop({ route, status: String(ctx.status) });
    }
  };
}
