import helmet from 'koa-helmet';
import type { Middleware } from 'koa';

/**
 * Security headers for every response. The broker's pages need no script and no third-party resource; forms may
 * post (and be redirected) only to the broker itself and to the origins passed in (upstream identity providers and
 * portals), because `form-action` also governs the redirect that follows a form submission.
 */
export function securityHeaders(formTargets: readonly string[]): Middleware {
  const origins = [...new Set(formTargets.map((url) => new URL(url).origin))];
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'", ...origins],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  }) as Middleware;
}
