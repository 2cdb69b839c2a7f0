import type Router from '@koa/router';
import Koa from 'koa';
import type { Middleware } from 'koa';
import type { ProxyTrust } from '../config/proxy-trust.ts';
import type { Logger } from '../log/logger.ts';
import type { StoreStatus } from '../store/outage.ts';
import { refuseLargeBodies } from './middleware/body-limit.ts';
import { clientAddress } from './middleware/client-address.ts';
import { errorHandler } from './middleware/error-handler.ts';
import { localeFromRequest } from '../web/locale.ts';
import { pinPublicOrigin, refuseOtherHosts } from './middleware/public-origin.ts';
import { requestMetrics } from './middleware/request-metrics.ts';
import type { BrokerMetrics } from '../metrics/broker-metrics.ts';
import { requestContext } from './middleware/request-context.ts';
import { cookieSigner } from '../security/cookie-signatures.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { unavailableDuringStoreOutage } from './middleware/store-outage.ts';
import { healthRoutes, type ReadinessCheck } from './routes/health.ts';
import type { ViewRenderer } from '../web/views.ts';

export interface AppOptions {
  /** The public URL every URL the broker writes is built from, whatever the request's headers say. */
  issuer: string;
  /** The reverse proxies whose X-Forwarded-For and X-Forwarded-Host are believed (null: none). */
  proxyTrust: ProxyTrust;
  cookieKeys: readonly string[];
  logger: Logger;
  views: ViewRenderer;
  readiness: readonly ReadinessCheck[];
  /** Stores every route needs: while one is down, requests get 503 instead of a misleading answer. */
  stores?: readonly StoreStatus[];
  metrics?: BrokerMetrics;
  /** Origins forms may post or redirect to besides the broker (upstream IdPs, portals). */
  formTargets?: readonly string[];
  /** Origins images may come from besides the broker (the company's logo). */
  imageOrigins?: readonly string[];
  /** Feature routers, in order, after the shared middleware. */
  routers?: readonly Router[];
  /** Mounted applications (oidc-provider) last, so the broker's own routes take precedence. */
  mounts?: readonly Middleware[];
}

// Probes come from orchestrators and load balancers, addressed to a bare IP, and must say "alive" during an outage.
const PROBES = new Set(['/healthz', '/readyz']);
const isProbe = (path: string) => PROBES.has(path);
// The error pages' stylesheet is served from memory: it must still load while a store is down.
const needsNoStore = (path: string) => isProbe(path) || path.startsWith('/assets/');

/**
 * The public koa application, as a table: pinned origin, request id and log, metrics, security headers, language,
 * the error handler, then the refusals (other host, oversized body, store outage), the client address, the routes.
 * Routes are added before the caller takes `app.callback()`.
 */
export function createApp(options: AppOptions): Koa {
  // `proxy: false`: koa never reads X-Forwarded-* itself; clientAddress and refuseOtherHosts decide what to believe.
  const app = new Koa({ proxy: false });
  // Built once, compared with timingSafeEqual (security/cookie-signatures.ts), instead of a Keygrip per request.
  app.keys = cookieSigner(options.cookieKeys);
  // Koa's default handler prints errors to stderr; ours are logged by the error handler with the request id.
  app.silent = true;
  app.use(pinPublicOrigin(options.issuer));
  app.use(requestContext(options.logger));
  if (options.metrics) app.use(requestMetrics(options.metrics));
  app.use(securityHeaders(options.formTargets ?? [], options.imageOrigins ?? []));
  app.use(localeFromRequest(options.views.translator));
  app.use(errorHandler(options.views, options.metrics));
  app.use(refuseOtherHosts(options.issuer, options.proxyTrust, isProbe));
  app.use(clientAddress(options.proxyTrust));
  app.use(refuseLargeBodies());
  app.use(unavailableDuringStoreOutage(options.stores ?? [], needsNoStore));
  for (const router of [healthRoutes(options.readiness), ...(options.routers ?? [])]) {
    app.use(router.routes()).use(router.allowedMethods());
  }
  for (const mounted of options.mounts ?? []) app.use(mounted);
  return app;
}

export interface ManagementAppOptions {
  logger: Logger;
  readiness: readonly ReadinessCheck[];
  /** /metrics and the like, for this listener only. */
  routers?: readonly Router[];
}

/**
 * The management listener (`management.port`): /healthz, /readyz and /metrics for the orchestrator and the
 * scraper, on a port the public ingress never forwards to. No pages, no cookies, no proxies.
 */
export function createManagementApp(options: ManagementAppOptions): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true;
  app.use(requestContext(options.logger));
  for (const router of [healthRoutes(options.readiness), ...(options.routers ?? [])]) {
    app.use(router.routes()).use(router.allowedMethods());
  }
  return app;
}
