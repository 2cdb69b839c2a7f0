import Router from '@koa/router';
import type { BrokerMetrics } from '../../metrics/broker-metrics.ts';
import { constantEquals } from '../../security/constant-equals.ts';

/**
 * Prometheus exposition at /metrics; with a bearer token configured, only for scrapers that present it.
 * `exposition` is this process's registry, or with `workers: N` the sum over every worker (metrics/worker-metrics.ts).
 */
export function metricsRoutes(
  metrics: BrokerMetrics,
  bearerToken: string | undefined,
  exposition = () => metrics.registry.metrics(),
): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    if (bearerToken && !constantEquals(ctx.get('authorization'), `Bearer ${bearerToken}`)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer');
      ctx.body = { error: 'invalid_token' };
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.registry.contentType;
    ctx.body = await exposition();
  });
  return router;
}
