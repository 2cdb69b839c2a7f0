// Lifetimes in seconds. Sessions are long-lived SSO; codes and interactions are short; refresh tokens rotate.
export const TOKEN_LIFETIMES = {
  AccessToken: 60 * 60,
  AuthorizationCode: 60,
  IdToken: 60 * 60,
  Interaction: 60 * 60,
  Session: 14 * 24 * 60 * 60,
  Grant: 14 * 24 * 60 * 60,
  RefreshToken: 14 * 24 * 60 * 60,
  // Admin API tools (client-credentials grant): short, a leaked token opens the customer data for minutes only.
  ClientCredentials: 10 * 60,
} as const;

/**
 * How long a signing key must keep verifying after it stopped signing. An ID token lives an hour, but it is presented
 * again as `id_token_hint` at logout for as long as its session lives, and a session lives as long as the longest
 * lifetime above: retiring a key sooner turns those logouts into the confirmation question.
 */
export const KEY_RETENTION_SECONDS = Math.max(...Object.values(TOKEN_LIFETIMES));
