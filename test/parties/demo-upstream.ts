import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import Koa from 'koa';
import mount from 'koa-mount';
import Provider, { type Configuration, type JWK, type KoaContextWithOIDC } from 'oidc-provider';
import { createMemoryAdapter } from './demo-upstream-adapter.ts';
import { interactionRoutes } from './demo-upstream-interactions.ts';
import { renderUpstreamPage } from './demo-upstream-pages.ts';

export interface DemoUser {
  sub: string;
  email: string;
  name: string;
  password: string;
}

export const DEMO_USERS: readonly DemoUser[] = Object.freeze([
  { sub: 'alice-0001', email: 'alice@example.net', name: 'Alice Example', password: 'demo' },
  { sub: 'bob-0002', email: 'bob@example.net', name: 'Bob Example', password: 'demo' },
  { sub: 'carol-0003', email: 'carol@example.net', name: 'Carol Example', password: 'demo' },
]);

/** The demo's support employee: Demo ID plays the company's staff directory for the console too (config/demo.yaml). */
export const DEMO_STAFF: DemoUser = Object.freeze({
  sub: 'dana-staff-0001',
  email: 'dana@contoso.example',
  name: 'Dana (support)',
  password: 'demo',
});

export interface DemoUpstreamOptions {
  /** e.g. http://127.0.0.1:41234; the caller listens on that port itself. */
  issuer: string;
  clients: ReadonlyArray<{
    clientId: string;
    clientSecret: string;
    redirectUris: readonly string[];
    /** Where RP-initiated logout may return to; none by default. */
    postLogoutRedirectUris?: readonly string[];
  }>;
  users?: readonly DemoUser[];
}

export interface DemoUpstream {
  callback: (req: IncomingMessage, res: ServerResponse) => void;
  provider: Provider;
}

// Lifetimes in seconds, set explicitly (oidc-provider asks for it): a consumer IdP's long session, short codes.
const TTL = {
  AccessToken: 10 * 60,
  AuthorizationCode: 60,
  IdToken: 10 * 60,
  Interaction: 30 * 60,
  Session: 24 * 60 * 60,
  Grant: 24 * 60 * 60,
} as const;

const SCOPE_CLAIMS = { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] };

async function signingKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'ES256', use: 'sig' } as JWK;
}

function page(ctx: KoaContextWithOIDC, heading: string, message?: string, logoutForm?: string): void {
  ctx.type = 'html';
  ctx.body = renderUpstreamPage('message', {
    heading,
    ...(message ? { message } : {}),
    ...(logoutForm ? { logoutForm } : {}),
  });
}

/**
 * "Demo ID", a consumer identity provider for the demo, the integration tests and the benchmarks: oidc-provider
 * with password accounts from `users`, its own login page and no consent screen. Keys, cookie keys and storage
 * live in this instance only, so every start is a fresh provider.
 */
export async function createDemoUpstream(options: DemoUpstreamOptions): Promise<DemoUpstream> {
  const users = options.users ?? DEMO_USERS;
  const bySub = new Map(users.map((u) => [u.sub, u]));
  const cookieKeys = [randomBytes(32).toString('base64url')];
  // Cookies are scoped by host, not port: on loopback the broker's oidc-provider would share (and overwrite) the
  // default `_session` cookie, so Demo ID's names carry its port.
  const cookiePrefix = `demoid${new URL(options.issuer).port}`;

  const configuration: Configuration = {
    adapter: createMemoryAdapter(),
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: [...c.redirectUris],
      post_logout_redirect_uris: [...(c.postLogoutRedirectUris ?? [])],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      // The only key is an EC key; the RS256 default would leave nothing to sign ID tokens with.
      id_token_signed_response_alg: 'ES256',
    })),
    jwks: { keys: [await signingKey()] },
    cookies: {
      keys: cookieKeys,
      names: {
        session: `${cookiePrefix}_session`,
        interaction: `${cookiePrefix}_interaction`,
        resume: `${cookiePrefix}_resume`,
      },
      long: { signed: true, sameSite: 'lax' },
      short: { signed: true, sameSite: 'lax' },
    },
    async findAccount(_ctx, sub) {
      const user = bySub.get(sub);
      if (!user) return undefined;
      return {
        accountId: user.sub,
        claims: () => ({ sub: user.sub, email: user.email, email_verified: true, name: user.name }),
      };
    },
    claims: SCOPE_CLAIMS,
    scopes: Object.keys(SCOPE_CLAIMS),
    // Like the big consumer IdPs, the ID token itself carries email and name; the broker reads them from there.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    responseTypes: ['code'],
    clientBasedCORS: () => false,
    ttl: { ...TTL },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          page(ctx, 'Sign out of Demo ID?', undefined, form);
        },
        async postLogoutSuccessSource(ctx) {
          page(ctx, 'Signed out of Demo ID');
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // No consent screen: a grant with every scope the client asks for (oidc-provider's "skip consent" recipe).
    async loadExistingGrant(ctx) {
      const clientId = ctx.oidc.client?.clientId;
      const accountId = ctx.oidc.session?.accountId;
      if (!clientId || !accountId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(clientId);
      const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      // After prompt=login another user may own the session: a grant of the previous one must not be reused.
      const grant = existing?.accountId === accountId ? existing : new ctx.oidc.provider.Grant({ clientId, accountId });
      grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
      await grant.save();
      return grant;
    },
    async renderError(ctx, out) {
      page(ctx, 'Demo ID could not complete the request', out.error_description ?? out.error);
    },
  };

  const provider = new Provider(options.issuer, configuration);
  // The outer app signs cookies with the same keys as the provider (oidc-provider issue #341).
  const app = new Koa({ keys: cookieKeys });
  const interactions = interactionRoutes(provider, users);
  app.use(interactions.routes()).use(interactions.allowedMethods());
  app.use(mount(provider));
  return { callback: app.callback(), provider };
}
