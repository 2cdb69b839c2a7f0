import type { Middleware } from 'koa';
import { proxyAddressMatcher, type ProxyTrust } from '../../config/proxy-trust.ts';

/**
 * Sets `ctx.ip` (rate limits, audit) to the address the outermost trusted proxy saw, reading X-Forwarded-For from
 * the right: every proxy appends the address it saw, so the entries left of what our proxies wrote are whatever the
 * client chose to send and never decide anything. Without a trusted proxy the client is the TCP peer.
 */
export function clientAddress(trust: ProxyTrust): Middleware {
  const trusted = trust && 'addresses' in trust ? proxyAddressMatcher(trust.addresses) : undefined;
  return async (ctx, next) => {
    const peer = ctx.req.socket.remoteAddress ?? '';
    if (trust) {
      const header = ctx.req.headers['x-forwarded-for'];
      const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean);
      // Nearest last: the TCP peer is the proxy closest to us.
      const chain = [...forwarded, peer];
      let index: number;
      if (trusted) {
        index = chain.length - 1;
        while (index > 0 && trusted(chain[index] ?? '')) index -= 1;
      } else {
        // `hops` proxies: the peer is the first, each further one is the next entry from the right.
        index = Math.max(0, chain.length - 1 - ('hops' in trust ? trust.hops : 0));
      }
      ctx.request.ip = chain[index] ?? peer;
    } else {
      ctx.request.ip = peer;
    }
    await next();
  };
}
