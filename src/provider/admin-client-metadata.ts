import type { ClientMetadata } from 'oidc-provider';
import type { AdminClientConfig } from '../config/index.ts';

/**
 * A tool of the admin API as a client of the broker's own provider: the client-credentials grant only (RFC 6749
 * 4.4), no redirect URIs and no response types, so it can never take part in a person's sign-in. Its access
 * tokens are opaque and looked up by the admin API itself, which also knows the client's role.
 */
export function adminClientMetadata(client: AdminClientConfig): ClientMetadata {
  return {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    client_name: client.name ?? client.clientId,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
  };
}
