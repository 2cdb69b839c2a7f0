import helmet from 'koa-helmet';
import type { Middleware } from 'koa';

/**
 * The CSP source that lets a form's redirect reach a portal's redirect URI. A native app's loopback redirect
 * (RFC 8252 7.3) may use any port chosen at run time, and a private-use scheme (7.1) has no origin at all: the
 * former needs the loopback host with any port, the latter its scheme.
 */
export function formActionSource(uri: string): string {
  const url = new URL(uri);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return url.protocol;
  if (url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname))
    return `http://${url.hostname}:*`;
  return url.origin;
}

/**
 * Security headers for every response. The broker's pages need no script and no third-party resource; forms may
 * post (and be redirected) only to the broker itself and to the portals' redirect targets passed in, because
 * `form-action` also governs the redirect that follows a form submission (the pages that lead upstream widen it:
 * forms-lead-upstream.ts).
 */
export function securityHeaders(formTargets: readonly string[], imageOrigins: readonly string[] = []): Middleware {
  const origins = [...new Set(formTargets.map(formActionSource))];
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        // The company's logo may live on its own site (branding.logoUrl): that origin, and no other.
        imgSrc: ["'self'", 'data:', ...imageOrigins],
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
