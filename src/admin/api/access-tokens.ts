import type Provider from 'oidc-provider';

/** Which client an access token was issued to, or undefined for a token that is unknown, expired or revoked. */
export type AccessTokenLookup = (token: string) => Promise<string | undefined>;

/**
 * Tokens of the client-credentials grant, looked up where the broker's provider stored them (opaque tokens: the
 * provider's own find checks expiry and consumption). Tokens of people (authorization code grant) are another
 * model and never found here, so a portal's access token opens nothing in the admin API.
 */
export function clientCredentialsTokens(provider: Provider): AccessTokenLookup {
  return async (token) => {
    const found = await provider.ClientCredentials.find(token);
    return found?.clientId;
  };
}
