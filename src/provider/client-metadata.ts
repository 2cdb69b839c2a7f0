import type { ClientAuthMethod, ClientMetadata, Configuration } from 'oidc-provider';
import type { ClientConfig } from '../config/index.ts';

/** The client authentication methods portals may register (DESIGN.md); oidc-provider offers more. */
export const CLIENT_AUTH_METHODS: ClientAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'none',
];

/**
 * RS256 for a portal that registers no ID token algorithm: OpenID Connect Dynamic Client Registration 1.0 section 2
 * makes it the default of `id_token_signed_response_alg`, and many RP libraries accept nothing else unless told
 * (go-oidc's default verifier, for one). A portal that wants ES256 registers it.
 */
export const DEFAULT_ID_TOKEN_ALGORITHM = 'RS256';

/**
 * A configured portal as OpenID Connect Dynamic Client Registration metadata. The configuration schema has already
 * refused combinations that make no sense (a secret on a public client, private_key_jwt without keys).
 */
export function clientMetadata(client: ClientConfig): ClientMetadata {
  return {
    client_id: client.clientId,
    ...(client.clientSecret ? { client_secret: client.clientSecret } : {}),
    client_name: client.name,
    application_type: client.applicationType,
    redirect_uris: [...client.redirectUris],
    post_logout_redirect_uris: [...client.postLogoutRedirectUris],
    response_types: ['code'],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    // Fresh plain objects: the configuration is frozen, and oidc-provider accepts only plain-object JWKs.
    ...(client.jwks ? { jwks: { keys: client.jwks.keys.map((jwk) => ({ ...jwk })) } as ClientMetadata['jwks'] } : {}),
    ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
    id_token_signed_response_alg: client.idTokenSignedResponseAlg ?? DEFAULT_ID_TOKEN_ALGORITHM,
    subject_type: client.subjectType,
    // The logout token always names the session: a portal ends exactly the session that ended here.
    ...(client.backchannelLogoutUri
      ? { backchannel_logout_uri: client.backchannelLogoutUri, backchannel_logout_session_required: true }
      : {}),
  };
}

/**
 * oidc-provider's `clientBasedCORS`: a browser may call the token, userinfo and revocation endpoints only from the
 * origins a portal lists in `allowedOrigins`. oidc-provider's default would also open them to every redirect URI's
 * origin of a public client; an explicit list says what an operator meant.
 */
export function clientBasedCors(clients: readonly ClientConfig[]): NonNullable<Configuration['clientBasedCORS']> {
  const allowed = new Map(clients.map((c) => [c.clientId, new Set(c.allowedOrigins)]));
  return (_ctx, origin, client) => allowed.get(client.clientId)?.has(origin) ?? false;
}
