import type { UpstreamConfig } from '../config/index.ts';
import type { CheckProblem } from './check-problem.ts';

const DISCOVERY_TIMEOUT_MS = 5_000;

/**
 * Microsoft's issuers are tenant-specific (`https://login.microsoftonline.com/{tenant id}/v2.0`), so a generic entry
 * pointed at `.../consumers/v2.0` or `.../common/v2.0` finds a document that names another issuer: the `microsoft`
 * preset knows where the document lives and which tenant to expect.
 */
const MICROSOFT_ISSUER = /^https?:\/\/[^/]+\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/v2\.0\/?$/;

/** Where the broker fetches the upstream's discovery document, as openid-client does for it. */
export function discoveryLocation(upstream: Pick<UpstreamConfig, 'issuer' | 'discoveryUrl'>): string {
  if (upstream.discoveryUrl) return upstream.discoveryUrl;
  return `${upstream.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
}

function reason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError')
    return `no answer within ${DISCOVERY_TIMEOUT_MS / 1000} s`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/**
 * Fetches the upstream's discovery document the way a first sign-in would and compares the issuer it names with the
 * configured one, which openid-client requires to be equal (OpenID Connect Discovery 4.3). A mismatch or an
 * unreachable document lets the broker start, but every sign-in through that upstream would end on the
 * "not available" page: this says so before the first customer does, with the lines to write instead.
 */
export async function checkUpstreamDiscovery(upstream: UpstreamConfig, key: string): Promise<CheckProblem[]> {
  const location = discoveryLocation(upstream);
  let response: Response;
  try {
    response = await fetch(location, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS), redirect: 'error' });
  } catch (error) {
    return [
      {
        key: `${key}.${upstream.discoveryUrl ? 'discoveryUrl' : 'issuer'}`,
        problem: `the discovery document ${location} cannot be fetched (${reason(error)})`,
        fix: `check the provider's address and that this host can reach it (firewall, proxy, DNS)`,
      },
    ];
  }
  let document: { issuer?: unknown };
  try {
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    document = (await response.json()) as { issuer?: unknown };
  } catch (error) {
    return [
      {
        key: `${key}.${upstream.discoveryUrl ? 'discoveryUrl' : 'issuer'}`,
        problem: `${location} is not a discovery document (${(error as Error).message})`,
        fix: `set discoveryUrl: <the provider's .well-known/openid-configuration URL> (its documentation names it)`,
      },
    ];
  }
  const named = typeof document.issuer === 'string' ? document.issuer : undefined;
  if (named === upstream.issuer) return [];
  if (!named) {
    return [
      {
        key: `${key}.issuer`,
        problem: `${location} names no issuer`,
        fix: "point discoveryUrl at the provider's own discovery document",
      },
    ];
  }
  const explicit = `issuer: ${named}` + `, discoveryUrl: ${location}`;
  const microsoft = upstream.type === 'oidc' && MICROSOFT_ISSUER.test(named);
  return [
    {
      key: `${key}.issuer`,
      problem: `the discovery document ${location} names issuer ${named}, not ${upstream.issuer}, so every sign-in through "${upstream.name}" would fail`,
      fix: microsoft ? `type: microsoft (and drop issuer), or ${explicit}` : explicit,
    },
  ];
}
