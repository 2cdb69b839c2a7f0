import { createHmac } from 'node:crypto';
import Provider, { type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { BrokerConfig, ClientConfig } from '../config/index.ts';
import type { AccountReader } from '../accounts/account-cache.ts';
import type { Redis } from '../store/redis.ts';
import { SCOPE_CLAIMS, createFindAccount } from './account-claims.ts';
import { createInteractionPolicy } from './entitlement-policy.ts';
import { createRedisAdapter } from './redis-adapter.ts';
import type { KeyFile } from './signing-keys.ts';

/**
 * Renders a broker page in the request's language; passed in because pages belong to the http layer, which this
 * module must not import.
 */
export type RenderPage = (ctx: KoaContextWithOIDC, page: string, data: Record<string, unknown>) => string;

export interface ProviderDependencies {
  config: Readonly<BrokerConfig>;
  redis: Redis;
  /** Account reads for claims and entitlement (cached briefly: this is the token endpoint's hot path). */
  accounts: AccountReader;
  keys: KeyFile;
  renderPage: RenderPage;
}

// Lifetimes in seconds. Sessions are long-lived SSO; codes and interactions are short; refresh tokens rotate.
export const TOKEN_LIFETIMES = {
  AccessToken: 60 * 60,
  AuthorizationCode: 60,
  IdToken: 60 * 60,
  Interaction: 60 * 60,
  Session: 14 * 24 * 60 * 60,
  Grant: 14 * 24 * 60 * 60,
  RefreshToken: 14 * 24 * 60 * 60,
} as const;

function clientMetadata(client: ClientConfig, algorithm: 'ES256' | 'RS256'): ClientMetadata {
  return {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    client_name: client.name,
    redirect_uris: [...client.redirectUris],
    post_logout_redirect_uris: [...client.postLogoutRedirectUris],
    response_types: ['code'],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: algorithm,
    subject_type: client.subjectType,
  };
}

/** The downstream OpenID Provider portals talk to: oidc-provider configured from the broker's configuration. */
export function createProvider({ config, redis, accounts, keys, renderPage }: ProviderDependencies): Provider {
  const consentRequired = new Set(config.clients.filter((c) => c.consent).map((c) => c.clientId));
  const clientNames = new Map(config.clients.map((c) => [c.clientId, c.name]));

  const configuration: Configuration = {
    adapter: createRedisAdapter(redis),
    clients: config.clients.map((c) => clientMetadata(c, config.keys.algorithm)),
    jwks: { keys: keys.keys as NonNullable<Configuration['jwks']>['keys'] },
    cookies: {
      keys: [...config.cookieKeys],
      long: { signed: true, sameSite: 'lax' },
      short: { signed: true, sameSite: 'lax' },
    },
    findAccount: createFindAccount(accounts),
    claims: Object.fromEntries(Object.entries(SCOPE_CLAIMS).map(([scope, claims]) => [scope, [...claims]])),
    scopes: ['openid', 'offline_access', 'email', 'profile', 'customer'],
    // Portals read the account's claims straight from the ID token; userinfo returns the same.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    responseTypes: ['code'],
    subjectTypes: ['public', 'pairwise'],
    async pairwiseIdentifier(_ctx, accountId, client) {
      // A keyed hash: stable for as long as the salt is, and not computable by portals comparing notes.
      const sector = client.sectorIdentifier ?? new URL(client.redirectUris?.[0] ?? config.issuer).host;
      return createHmac('sha256', config.pairwiseSalt ?? '').update(`${sector}\0${accountId}`).digest('base64url');
    },
    ttl: { ...TOKEN_LIFETIMES },
    rotateRefreshToken: true,
    features: {
      devInteractions: { enabled: false },
      // A portal may inspect or revoke only tokens issued to itself: portals are separate tenants of one broker.
      introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.body = renderPage(ctx, 'logout', { titleKey: 'logout.title', form, clientName: clientNameOf(ctx) });
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = renderPage(ctx, 'logged-out', { titleKey: 'loggedOut.title', clientName: clientNameOf(ctx) });
        },
      },
    },
    interactions: {
      policy: createInteractionPolicy(config.clients, accounts),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(ctx.oidc.client?.clientId ?? '');
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      // Configured portals are first-party: they get what they ask for without a consent screen, unless their
      // configuration says `consent: true`.
      const clientId = ctx.oidc.client?.clientId;
      const accountId = ctx.oidc.session?.accountId;
      if (!clientId || !accountId || consentRequired.has(clientId)) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId, accountId });
      grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
      await grant.save();
      return grant;
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      // oidc-provider's description is English protocol detail: shown as a technical detail under our own text.
      ctx.body = renderPage(ctx, 'error', {
        titleKey: 'error.titleClient',
        messageKey: 'error.portalRequest',
        detail: out.error_description ?? out.error,
      });
    },
  };

  function clientNameOf(ctx: KoaContextWithOIDC): string | undefined {
    return clientNames.get(ctx.oidc.client?.clientId ?? '');
  }

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy;
  return provider;
}
