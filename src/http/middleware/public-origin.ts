import type { Middleware } from 'koa';
import type { ProxyTrust } from '../../config/proxy-trust.ts';
import { MisdirectedRequest } from '../../errors/broker-error.ts';

/** `Login.Example.com:443` → `login.example.com` for an https issuer: the form URL.host uses. */
function normalisedHost(value: string, protocol: string): string | undefined {
  try {
    const url = new URL(`${protocol}//${value.trim()}`);
    return url.pathname === '/' && !url.username && !url.search ? url.host : undefined;
  } catch {
    return undefined;
  }
}

function pathOf(originalUrl: string): string {
  // An absolute-form request target (`GET http://evil.example/auth HTTP/1.1`) keeps only its path and query.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(originalUrl)) return originalUrl;
  const url = new URL(originalUrl);
  return `${url.pathname}${url.search}`;
}

/**
 * Makes koa (and oidc-provider, which builds discovery, form actions and redirects from `ctx.href`) see the
 * configured issuer's scheme and host whatever the request's Host or X-Forwarded-* say: a forged header can then
 * change no URL the broker writes, so a shared cache cannot be poisoned with them. With an https issuer the
 * request counts as secure, so every cookie koa or oidc-provider sets is `Secure` (TLS ends at the trusted proxy).
 * Must run before anything reads `ctx.cookies`, which is created from `ctx.secure` on first use.
 */
export function pinPublicOrigin(issuer: string): Middleware {
  const origin = new URL(issuer);
  const pinned = {
    protocol: { value: origin.protocol.slice(0, -1) },
    host: { value: origin.host },
    hostname: { value: origin.hostname },
    origin: { value: origin.origin },
    secure: { value: origin.protocol === 'https:' },
  };
  return async (ctx, next) => {
    Object.defineProperties(ctx.request, {
      ...pinned,
      href: { get: () => `${origin.origin}${pathOf(ctx.originalUrl)}` },
    });
    await next();
  };
}

/**
 * Refuses (421) a request addressed to another host than the issuer's: the Host header, or the X-Forwarded-Host set
 * by a trusted proxy (its last entry, the one that proxy added), and an absolute-form target's host. `exempt` paths
 * (health probes, which orchestrators send to a bare IP) write no URL and are let through.
 */
export function refuseOtherHosts(
  issuer: string,
  proxyTrust: ProxyTrust,
  exempt: (path: string) => boolean,
): Middleware {
  const { protocol, host: expected } = new URL(issuer);
  return async (ctx, next) => {
    if (!exempt(ctx.path)) {
      const forwarded = proxyTrust ? ctx.req.headers['x-forwarded-host'] : undefined;
      const presented = typeof forwarded === 'string' && forwarded ? forwarded.split(',').at(-1) : ctx.req.headers.host;
      const target = /^[a-z][a-z0-9+.-]*:\/\//i.test(ctx.originalUrl) ? new URL(ctx.originalUrl).host : undefined;
      const hosts = [presented ?? '', ...(target ? [target] : [])].map((h) => normalisedHost(h, protocol));
      if (hosts.some((h) => h !== expected)) throw new MisdirectedRequest();
    }
    await next();
  };
}
