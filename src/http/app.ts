import type Router from '@koa/router';
import Koa from 'koa';
import type { Middleware } from 'koa';
import type { Logger } from '../log/logger.ts';
import { errorHandler } from './middleware/error-handler.ts';
import { localeFromRequest } from './middleware/locale.ts';
import { requestMetrics } from './middleware/request-metrics.ts';
import type { BrokerMetrics } from '../metrics/broker-metrics.ts';
import { requestContext } from './middleware/request-context.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { healthRoutes, type ReadinessCheck } from './routes/health.ts';
import type { ViewRenderer } from './views.ts';

export interface AppOptions {
  cookieKeys: readonly string[];
  trustProxy: boolean;
  logger: Logger;
  views: ViewRenderer;
  readiness: readonly ReadinessCheck[];
  metrics?: BrokerMetrics;
  /** Origins forms may post or redirect to besides the broker (upstream IdPs, portals). */
  formTargets?: readonly string[];
  /** Feature routers, in order, after the shared middleware. */
  routers?: readonly Router[];
  /** Mounted applications (oidc-provider) last, so the broker's own routes take precedence. */
  mounts?: readonly Middleware[];
}

/**
 * The koa application: shared middleware first (request id and log, security headers, the error handler), then the
 * health endpoints and the feature routes. Routes are added before the caller takes `app.callback()`.
 */
export function createApp(options: AppOptions): Koa {
  const app = new Koa({ keys: [...options.cookieKeys], proxy: options.trustProxy });
  // Koa's default handler prints errors to stderr; ours are logged by the error handler with the request id.
  app.silent = true;
  app.use(requestContext(options.logger));
  if (options.metrics) app.use(requestMetrics(options.metrics));
  app.use(securityHeaders(options.formTargets ?? []));
  app.use(localeFromRequest(options.views.translator));
  app.use(errorHandler(options.views, options.metrics));
  for (const router of [healthRoutes(options.readiness), ...(options.routers ?? [])]) {
    app.use(router.routes()).use(router.allowedMethods());
  }
  for (const mounted of options.mounts ?? []) app.use(mounted);
  return app;
}
