import { createHmac } from 'node:crypto';
import Provider, { type Configuration } from 'oidc-provider';
import type { BrokerConfig } from '../config/index.ts';
import type { PortalDirectory } from '../config/portal-directory.ts';
import type { MembershipReader } from '../accounts/people-directory.ts';
import { AccountChoices } from './account-choices.ts';
import type { Logger } from '../log/logger.ts';
import type { Redis } from '../store/redis.ts';
import { SCOPE_CLAIMS, createFindAccount } from './account-claims.ts';
import { adminClientMetadata } from './admin-client-metadata.ts';
import { autoSubmitScripts } from './auto-submit-scripts.ts';
import { CLIENT_AUTH_METHODS, clientBasedCors, clientMetadata } from './client-metadata.ts';
import { createInteractionPolicy } from './entitlement-policy.ts';
import { deliverBackchannelLogoutInBackground } from './logout/backchannel-delivery.ts';
import { frontchannelLogout, nameSessionsInIdTokens } from './logout/frontchannel-logout.ts';
import { logoutPages } from './logout/logout-pages.ts';
import { endBrokerSession } from './logout/end-session.ts';
import { verifyIdTokenHint } from './logout/id-token-hint.ts';
import { serverSideLogoutRoute } from './logout/server-side-logout-route.ts';
import type { ServerSideLogoutPorts } from './logout/server-side-logout.ts';
import { SessionsBySid } from './logout/session-sids.ts';
import { configuredDestinationsOnly } from './outgoing-requests.ts';
import { unauthorizedClientForGrantType } from './grant-type-refusal.ts';
import { postAsGet } from './post-as-get.ts';
import { createRedisAdapter } from './redis-adapter.ts';
import { batchRequestWrites } from '../store/request-writes.ts';
import { cookieSigner } from '../security/cookie-signatures.ts';
import type { RenderPage } from './render-page.ts';
import { providerJwks, type KeyFile } from './signing-keys.ts';
import { TOKEN_LIFETIMES } from './token-lifetimes.ts';

export type { RenderPage } from './render-page.ts';
export { TOKEN_LIFETIMES } from './token-lifetimes.ts';

export interface ProviderDependencies {
  config: Readonly<BrokerConfig>;
  /** The configured portals, built once by the composition root. */
  portals: PortalDirectory;
  redis: Redis;
  /** Membership reads for claims and entitlement (cached briefly: this is the token endpoint's hot path). */
  memberships: MembershipReader;
  keys: KeyFile;
  renderPage: RenderPage;
  /** Back-channel logout deliveries are logged here: they run after the person's request has been answered. */
  logger: Logger;
}

function serverSideLogoutPorts(provider: Provider, redis: Redis, logger: Logger): ServerSideLogoutPorts {
  const sessions = new SessionsBySid(provider, redis, logger);
  return {
    verifyHint: (hint, clientId) => verifyIdTokenHint(provider, hint, clientId),
    findSession: (clientId, sid) => sessions.find(clientId, sid),
    endSession: async (session) => {
      await endBrokerSession(provider, session);
    },
  };
}

/** The downstream OpenID Provider portals talk to: oidc-provider configured from the broker's configuration. */
export function createProvider({
  config,
  portals,
  redis,
  memberships,
  keys,
  renderPage,
  logger,
}: ProviderDependencies): Provider {
  const choices = new AccountChoices(redis);

  const configuration: Configuration = {
    adapter: createRedisAdapter(redis),
    clients: [...config.clients.map(clientMetadata), ...config.admin.clients.map(adminClientMetadata)],
    clientAuthMethods: CLIENT_AUTH_METHODS,
    clientBasedCORS: clientBasedCors(config.clients),
    fetch: configuredDestinationsOnly(config.clients),
    jwks: providerJwks(keys) as NonNullable<Configuration['jwks']>,
    // Lax, with POST on /auth and /session/end answered by a 303 to GET (post-as-get.ts says why not SameSite=None).
    cookies: {
      keys: [...config.cookieKeys],
      long: { signed: true, sameSite: 'lax' },
      short: { signed: true, sameSite: 'lax' },
    },
    findAccount: createFindAccount(memberships, choices),
    claims: Object.fromEntries(Object.entries(SCOPE_CLAIMS).map(([scope, claims]) => [scope, [...claims]])),
    scopes: ['openid', 'offline_access', 'email', 'profile', 'customer'],
    // Portals read the account's claims straight from the ID token; userinfo returns the same.
    conformIdTokenClaims: false,
    // Every portal, public or confidential: PKCE (S256) protects the code wherever it travels (RFC 9700 2.1.1).
    pkce: { required: () => true },
    responseTypes: ['code'],
    subjectTypes: ['public', 'pairwise'],
    async pairwiseIdentifier(_ctx, accountId, client) {
      // A keyed hash: stable for as long as the salt is, and not computable by portals comparing notes.
      const sector = client.sectorIdentifier ?? new URL(client.redirectUris?.[0] ?? config.issuer).host;
      return createHmac('sha256', config.pairwiseSalt ?? '')
        .update(`${sector}\0${accountId}`)
        .digest('base64url');
    },
    ttl: { ...TOKEN_LIFETIMES },
    // Every refresh token is used once, for public clients (RFC 9700 4.14.2) and confidential ones alike.
    rotateRefreshToken: true,
    features: {
      devInteractions: { enabled: false },
      // Only for the admin API's tools (admin-client-metadata.ts); portals are not registered for this grant.
      clientCredentials: { enabled: config.admin.clients.length > 0 },
      // A portal may inspect or revoke only tokens issued to itself: portals are separate tenants of one broker.
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true, ...logoutPages(renderPage, portals) },
      backchannelLogout: { enabled: true },
    },
    // Front-channel logout is the broker's own (frontchannel-logout.ts); discovery says so, as that specification asks.
    discovery: { frontchannel_logout_supported: true, frontchannel_logout_session_supported: true },
    interactions: {
      policy: createInteractionPolicy(config.clients, memberships, choices),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    async loadExistingGrant(ctx) {
      const grantId =
        ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(ctx.oidc.client?.clientId ?? '');
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      // Configured portals are first-party (portal-directory.ts says which ones ask for consent).
      const clientId = ctx.oidc.client?.clientId;
      const accountId = ctx.oidc.session?.accountId;
      if (!clientId || !accountId || portals.get(clientId)?.asksConsent !== false) return undefined;
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

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy;
  // The same signatures as from `cookies.keys`, built once and compared with timingSafeEqual (cookie-signatures.ts).
  provider.keys = cookieSigner(config.cookieKeys);
  nameSessionsInIdTokens(provider);
  deliverBackchannelLogoutInBackground(provider, { logger });
  // Outermost: the adapter's writes of each request leave in one MULTI once the others are done (request-writes.ts).
  provider.use(batchRequestWrites(redis));
  // Before oidc-provider's routes, in this order: the script policy must see every page the others produce.
  provider.use(autoSubmitScripts());
  // Before postAsGet: a portal's server that POSTs its logout is answered here, not sent on as a browser would be.
  provider.use(serverSideLogoutRoute(provider, serverSideLogoutPorts(provider, redis, logger), logger));
  provider.use(postAsGet(config.issuer));
  provider.use(unauthorizedClientForGrantType());
  provider.use(frontchannelLogout(provider, config.clients, config.issuer, renderPage));
  return provider;
}
