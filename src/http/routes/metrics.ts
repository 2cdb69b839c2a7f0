import Router from '@koa/router';
import type { BrokerMetrics } from '../../metrics/broker-metrics.ts';
import { constantEquals } from '../../security/constant-equals.ts';

/** Prometheus exposition at /metrics; with a bearer token configured, only for scrapers that present it. */
export function metricsRoutes(metrics: BrokerMetrics, bearerToken: string | undefined): Router {
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
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}
