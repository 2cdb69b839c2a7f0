/**
 * What each supported upstream provider documents, as defaults for `upstreams[]` entries of that `type`. A preset
 * only fills in what the entry leaves out: every value can be set in the configuration.
 */
export type UpstreamType = 'oidc' | 'microsoft' | 'google' | 'apple';
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/** How a provider can be asked for a fresh authentication, and what proves that it happened. */
export interface ReauthenticationSupport {
  /** Send `prompt=login` (OpenID Connect Core 3.1.2.1) when a fresh authentication is needed. */
  prompt: boolean;
  /** Send `max_age` as well, and expect `auth_time` back. */
  maxAge: boolean;
  /**
   * The provider documents that `prompt=login` always shows its login form: an ID token without `auth_time`,
   * issued after the request started, then proves a fresh authentication.
   */
  promptLoginEnforced: boolean;
}

export interface UpstreamPreset {
  issuer?: (entry: { tenant?: string }) => string;
  discoveryUrl?: (entry: { tenant?: string }) => string | undefined;
  scopes: string[];
  clientAuth: ClientAuthMethod;
  responseMode: 'query' | 'form_post';
  reauthentication: ReauthenticationSupport;
}

/** Microsoft's tenant of personal accounts ("consumers"): the `tid` of every MSA ID token. */
export const MICROSOFT_CONSUMERS_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

const OIDC_REAUTHENTICATION: ReauthenticationSupport = { prompt: true, maxAge: true, promptLoginEnforced: false };

export const UPSTREAM_PRESETS: Readonly<Record<UpstreamType, UpstreamPreset>> = Object.freeze({
  // Any provider that follows OpenID Connect Core: prompt=login and max_age=0, proven by auth_time.
  oidc: {
    scopes: ['openid', 'email', 'profile'],
    clientAuth: 'client_secret_basic',
    responseMode: 'query',
    reauthentication: OIDC_REAUTHENTICATION,
  },
  // Microsoft identity platform v2. Personal accounts sign in through the `consumers` authority, whose discovery
  // document names the consumer tenant's issuer (not the URL it is served from). `auth_time` is only an optional
  // claim the application registration must ask for; `prompt=login` is documented to always ask for credentials.
  microsoft: {
    issuer: ({ tenant = MICROSOFT_CONSUMERS_TENANT }) => `https://login.microsoftonline.com/${tenant}/v2.0`,
    discoveryUrl: ({ tenant = MICROSOFT_CONSUMERS_TENANT }) =>
      `https://login.microsoftonline.com/${tenant === MICROSOFT_CONSUMERS_TENANT ? 'consumers' : tenant}/v2.0/.well-known/openid-configuration`,
    scopes: ['openid', 'email', 'profile'],
    clientAuth: 'client_secret_post',
    responseMode: 'query',
    reauthentication: { prompt: true, maxAge: false, promptLoginEnforced: true },
  },
  // Google: prompt accepts only none, consent and select_account (prompt=login is refused with an error page), and
  // ID tokens carry auth_time only when the project turns on "Session age claims". max_age is sent so that a fresh
  // authentication can be proven where Google honours it; without auth_time nothing fresh is proven.
  google: {
    issuer: () => 'https://accounts.google.com',
    scopes: ['openid', 'email', 'profile'],
    clientAuth: 'client_secret_post',
    responseMode: 'query',
    reauthentication: { prompt: false, maxAge: true, promptLoginEnforced: false },
  },
  // Sign in with Apple: form_post is required once name or email is asked for, the client secret is a JWT the
  // broker signs (see client-authentication.ts), and ID tokens always carry auth_time. Apple documents neither
  // prompt nor max_age (and asks the person to authenticate on every authorization), so neither is sent.
  apple: {
    issuer: () => 'https://appleid.apple.com',
    scopes: ['openid', 'email', 'name'],
    clientAuth: 'client_secret_post',
    responseMode: 'form_post',
    reauthentication: { prompt: false, maxAge: false, promptLoginEnforced: false },
  },
});
