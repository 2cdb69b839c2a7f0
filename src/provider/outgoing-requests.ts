import type { Configuration } from 'oidc-provider';
import type { ClientConfig } from '../config/index.ts';

type Fetch = NonNullable<Configuration['fetch']>;

/**
 * oidc-provider's `fetch`: requests leave the broker only for the URLs the operator configured for portals
 * (`backchannelLogoutUri`, `jwksUri`), refused for any other origin.
 *
 * oidc-provider's own guard refuses private, loopback and link-local addresses (its SSRF protection), which is the
 * right default where portals register themselves. Here every portal is configured by the operator, and portals on
 * an internal network (10.0.0.0/8, a cluster's service addresses) are common: that guard would make their back-channel
 * logout and key fetches fail at run time. The allowlist keeps the protection's point (no request to a place nobody
 * configured) without refusing the places that were.
 */
export function configuredDestinationsOnly(clients: readonly ClientConfig[], send: typeof fetch = fetch): Fetch {
  const allowed = new Set(
    clients.flatMap((c) => [c.backchannelLogoutUri, c.jwksUri]).flatMap((url) => (url ? [new URL(url).origin] : [])),
  );
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (!allowed.has(url.origin))
      throw new Error(`outgoing request to ${url.origin} refused: no portal is configured there`);
    const { dispatcher: _addressGuard, ...options } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
    return send(url, options);
  };
}
