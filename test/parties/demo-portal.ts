import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import * as oidc from 'openid-client';
import { renderPortalHome } from './demo-portal-pages.ts';
import { DEMO_LOGO_PATH, DEMO_LOGO_SVG } from './demo-branding.ts';

export interface DemoPortalOptions {
  /** e.g. http://127.0.0.1:41235; the redirect_uri is `${baseUrl}/callback`. */
  baseUrl: string;
  /** The OpenID Provider (the broker) to discover. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Shown as the page heading, e.g. "CustomerSource". */
  name: string;
  /** Default 'openid email profile customer'. */
  scope?: string;
}

export interface DemoPortal {
  callback: (req: IncomingMessage, res: ServerResponse) => void;
}

interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
}

interface PortalSession {
  pending?: PendingLogin;
  claims?: Record<string, unknown>;
  idToken?: string;
  error?: { error: string; description: string };
}

const DEFAULT_SCOPE = 'openid email profile customer';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
// Sessions live in memory; a benchmark creates one per sign-in, so the oldest go once there are this many.
const MAX_SESSIONS = 10_000;

/** What a failed sign-in looks like on the page: the protocol error and its description, never a stack trace. */
function describe(error: unknown): { error: string; description: string } {
  const e = error as { error?: unknown; error_description?: unknown; code?: unknown; message?: unknown };
  const code = typeof e.error === 'string' ? e.error : typeof e.code === 'string' ? e.code : 'sign_in_failed';
  const description = typeof e.error_description === 'string' ? e.error_description : String(e.message ?? error);
  return { error: code, description };
}

/**
 * A portal (relying party) for the demo, the integration tests and the benchmarks: signs in through `issuer` with
 * the authorization code flow, PKCE, state and nonce, shows the ID token and userinfo claims, and signs out through
 * RP-initiated logout. Sessions are kept in memory behind a random cookie.
 */
export function createDemoPortal(options: DemoPortalOptions): DemoPortal {
  const base = new URL(options.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const baseUrl = `${base.origin}${basePath}`;
  const redirectUri = `${baseUrl}/callback`;
  // Cookies are scoped by host, not port: several portals on loopback need names of their own.
  const cookieName = `portal${base.port}_sid`;
  const sessions = new Map<string, PortalSession>();
  let discovered: Promise<oidc.Configuration> | undefined;

  /** Discovery once; a failure is not cached, so the next sign-in tries again (the broker may start later). */
  function configuration(): Promise<oidc.Configuration> {
    if (discovered) return discovered;
    const issuer = new URL(options.issuer);
    discovered = oidc
      .discovery(
        issuer,
        options.clientId,
        { redirect_uris: [redirectUri], response_types: ['code'] },
        oidc.ClientSecretBasic(options.clientSecret),
        // openid-client refuses plain HTTP; the demo and the tests run the OP on loopback without TLS, which is
        // the only case where it is allowed here.
        { execute: issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname) ? [oidc.allowInsecureRequests] : [] },
      )
      .catch((error: unknown) => {
        discovered = undefined;
        throw error;
      });
    return discovered;
  }

  function sessionOf(ctx: Context): PortalSession | undefined {
    const id = ctx.cookies.get(cookieName);
    return id === undefined ? undefined : sessions.get(id);
  }

  function startSession(ctx: Context): PortalSession {
    const existing = sessionOf(ctx);
    if (existing) return existing;
    const id = randomBytes(32).toString('base64url');
    const session: PortalSession = {};
    sessions.set(id, session);
    for (const oldest of sessions.keys()) {
      if (sessions.size <= MAX_SESSIONS) break;
      sessions.delete(oldest);
    }
    ctx.cookies.set(cookieName, id, { httpOnly: true, sameSite: 'lax', path: basePath || '/', secure: ctx.secure });
    return session;
  }

  function home(ctx: Context): void {
    const session = sessionOf(ctx);
    const claims = session?.claims;
    ctx.type = 'html';
    ctx.body = renderPortalHome({
      name: options.name,
      basePath,
      signedIn: claims !== undefined,
      ...(claims
        ? { displayName: String(claims.name ?? claims.email ?? claims.sub), claims: JSON.stringify(claims, null, 2) }
        : {}),
      ...(session?.error ? { error: session.error } : {}),
    });
  }

  async function login(ctx: Context): Promise<void> {
    const session = startSession(ctx);
    session.error = undefined;
    let config: oidc.Configuration;
    try {
      config = await configuration();
    } catch (error) {
      console.warn(`${options.name}: discovery of ${options.issuer} failed: ${describe(error).description}`);
      session.error = { error: 'discovery_failed', description: `${options.issuer} cannot be reached` };
      return ctx.redirect(`${basePath}/`);
    }
    const pending: PendingLogin = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
    };
    session.pending = pending;
    const parameters: Record<string, string> = {
      redirect_uri: redirectUri,
      scope: options.scope ?? DEFAULT_SCOPE,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
    };
    if (typeof ctx.query.prompt === 'string' && ctx.query.prompt) parameters.prompt = ctx.query.prompt;
    ctx.redirect(oidc.buildAuthorizationUrl(config, parameters).href);
  }

  async function callback(ctx: Context): Promise<void> {
    const session = startSession(ctx);
    const pending = session.pending;
    session.pending = undefined; // one use: a replayed callback finds nothing to complete
    if (!pending) {
      session.error = { error: 'invalid_request', description: 'No sign-in was in progress' };
      return ctx.redirect(`${basePath}/`);
    }
    try {
      const config = await configuration();
      // openid-client checks state (and iss) first and, for an error response (access_denied), throws without
      // exchanging the code; otherwise it validates the ID token, the nonce and the PKCE verifier.
      const tokens = await oidc.authorizationCodeGrant(config, new URL(`${redirectUri}${ctx.search}`), {
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        pkceCodeVerifier: pending.codeVerifier,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw new Error('no ID token');
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      session.claims = { ...idClaims, ...userinfo };
      session.idToken = tokens.id_token;
      session.error = undefined;
    } catch (error) {
      session.error = describe(error);
      if (!(error instanceof oidc.AuthorizationResponseError)) {
        console.warn(`${options.name}: sign-in failed: ${session.error.error}: ${session.error.description}`);
      }
    }
    ctx.redirect(`${basePath}/`);
  }

  /** RP-initiated logout: the local session goes first, then the OP ends its own and sends the browser back. */
  async function logout(ctx: Context): Promise<void> {
    const id = ctx.cookies.get(cookieName);
    const idToken = id === undefined ? undefined : sessions.get(id)?.idToken;
    if (id !== undefined) sessions.delete(id);
    ctx.cookies.set(cookieName, null, { path: basePath || '/' });
    const config = idToken ? await configuration().catch(() => undefined) : undefined;
    if (!idToken || !config?.serverMetadata().end_session_endpoint) return ctx.redirect(`${basePath}/`);
    ctx.redirect(
      oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: `${baseUrl}/` }).href,
    );
  }

  const router = new Router(basePath ? { prefix: basePath } : {});
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store'); // pages show personal claims
    await next();
  });
  router.get('/', home);
  // The demo company's logo, shown above the broker's pages (demo-branding.ts).
  router.get(DEMO_LOGO_PATH, (ctx) => {
    ctx.type = 'image/svg+xml';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = DEMO_LOGO_SVG;
  });
  router.get('/login', login);
  router.get('/callback', callback);
  // POST is what the page's button sends; GET is kept for typing the URL in the demo.
  router.post('/logout', logout).get('/logout', logout);

  const app = new Koa();
  app.use(router.routes()).use(router.allowedMethods());
  return { callback: app.callback() };
}
