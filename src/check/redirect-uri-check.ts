import type { BrokerConfig } from '../config/index.ts';
import { isLoopbackUrl } from '../config/loopback.ts';
import type { CheckProblem } from './check-problem.ts';

/**
 * The schema accepts any absolute URI without a fragment (native apps use custom schemes). For a web portal, a
 * redirect URI carries codes and a post-logout URI ends sessions: over plain http off loopback either travels in
 * clear, and a `*` is never matched (oidc-provider compares redirect URIs exactly).
 */
export function checkRedirectUris(config: Pick<BrokerConfig, 'clients'>): CheckProblem[] {
  return config.clients.flatMap((client, i) =>
    (['redirectUris', 'postLogoutRedirectUris'] as const).flatMap((list) =>
      client[list].flatMap((value, j): CheckProblem[] => {
        const key = `clients[${i}].${list}[${j}]`;
        const url = new URL(value);
        if (value.includes('*')) {
          return [
            {
              key,
              problem: `${value} holds a wildcard, but redirect URIs are compared exactly`,
              fix: 'list each URI the portal uses in full',
            },
          ];
        }
        if (client.applicationType === 'web' && url.protocol === 'http:' && !isLoopbackUrl(url)) {
          return [
            {
              key,
              problem: `${value} is plain http off loopback: codes and sessions would travel in clear`,
              fix: `${value.replace(/^http:/, 'https:')}`,
            },
          ];
        }
        if (client.applicationType === 'web' && url.protocol !== 'http:' && url.protocol !== 'https:') {
          return [
            {
              key,
              problem: `${value} uses a custom scheme, which only native apps receive`,
              fix: `applicationType: native for clients[${i}], or an https URI`,
            },
          ];
        }
        return [];
      }),
    ),
  );
}
