import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, type JWK } from 'oidc-provider';
import { SCOPE_CLAIMS } from '../../src/provider/account-claims.ts';
import { generateSigningKey } from '../../src/provider/signing-keys.ts';
import { LOGIN_SCOPE, PORTAL } from './bench-parties.ts';
import { TOKEN_LIFETIMES } from '../../src/provider/create-provider.ts';

export interface BareProvider {
  provider: Provider;
  url: string;
  close(): Promise<void>;
}


/**
 * The baseline: oidc-provider of the same version on a plain http server, with its default in-memory adapter (no
 * `adapter`), no koa app around it, and otherwise what the broker configures for the token endpoint: ES256, the
 * same client with client_secret_basic, PKCE required, refresh-token rotation on every use, the same scopes and
 * claims. Accounts come from memory with claims of the same shape as the broker's, so the ID tokens are as large;
 * the broker's account reads from MongoDB are part of what the comparison measures.
 */
export async function startBareProvider(): Promise<BareProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const configuration: Configuration = {
    clients: [
      {
        client_id: PORTAL.clientId,
        client_secret: PORTAL.clientSecret,
        redirect_uris: [PORTAL.redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [(await generateSigningKey('ES256')) as JWK] },
    cookies: { keys: ['bench-bare-provider-cookie-key-0123456789'] },
    async findAccount(_ctx, sub) {
      return {
        accountId: sub,
        async claims() {
          return { sub, email: `${sub}@example.com`, email_verified: true, name: `Account ${sub}`, customer_number: 'C-00000000', plans: ['support'] };
        },
      };
    },
    claims: Object.fromEntries(Object.entries(SCOPE_CLAIMS).map(([scope, claims]) => [scope, [...claims]])),
    scopes: [...LOGIN_SCOPE.split(' '), 'offline_access'],
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    responseTypes: ['code'],
    // The broker's lifetimes, so both write tokens that live as long.
    ttl: { ...TOKEN_LIFETIMES },
    rotateRefreshToken: true,
    features: { devInteractions: { enabled: false } },
  };
  const provider = new Provider(url, configuration);
  server.on('request', provider.callback());
  return {
    provider,
    url,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
