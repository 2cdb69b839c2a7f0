import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import Koa, { type Context } from 'koa';
import { closeServer, listenOnLoopback } from '../../parties/loopback-server.ts';
import { constantEquals } from '../../../src/security/constant-equals.ts';
import type { Authentication, DoubleBehaviour, DoubleOptions, DoubleUser, UpstreamDouble } from './contract.ts';
import { formPostPage, loginPage, messagePage } from './pages.ts';

// The shared core of the upstream doubles: a hand-written OpenID provider (authorization code flow only) whose
// every provider-specific choice comes from a `ProviderRules` object, so each provider file reads as the list of
// what that provider does differently. oidc-provider is not used: it would normalise exactly the quirks (claim
// types, issuer shapes, missing auth_time) these doubles exist to reproduce.

/** A sign-in that a code or an access token stands for. */
export interface Grant {
  user: DoubleUser;
  /** When the user last really authenticated (seconds), not when this code was issued. */
  authTime: number;
  params: Record<string, string>;
  scopes: ReadonlySet<string>;
}

export interface ClientCredentials {
  form: Record<string, string>;
  authorization: string | undefined;
}

export interface Origins {
  origin: string;
  /** Where the login page lives: the same origin, or a second server for providers that send people elsewhere. */
  loginOrigin: string;
}

/** What makes a double one provider rather than another. */
export interface ProviderRules {
  heading: string;
  issuer: string;
  paths: { discovery: string; authorization: string; token: string; jwks: string; userinfo?: string };
  signingAlg: 'RS256' | 'ES256';
  /** Discovery members besides issuer, endpoints and the signing algorithm. */
  discovery: Record<string, unknown>;
  /** A request the provider refuses with its own error page (it never redirects those). */
  refuse?(params: Record<string, string>): string | undefined;
  /** Whether a person with a session must still see the login form for this request. */
  mustLogIn(params: Record<string, string>, authTime: number, now: number): boolean;
  responseMode(params: Record<string, string>): 'query' | 'form_post';
  /** The error code a Cancel sends back; access_denied unless the provider documents another. */
  cancelError?: string;
  /** RFC 9207: `iss` in every authorization response. */
  issParameter?: boolean;
  /** Extra parameters of a successful authorization response (called once per response). */
  onAuthorized?(grant: Grant): Record<string, string>;
  /** The authenticated client id, or undefined (→ 401 invalid_client). */
  authenticateClient(credentials: ClientCredentials): Promise<string | undefined>;
  idTokenClaims(grant: Grant): Record<string, unknown>;
  userinfo?(grant: Grant): Record<string, unknown>;
}

export interface MiniOp {
  origins: Origins;
  issuer: string;
  discoveryUrl: string;
  authentications: Authentication[];
  authorizationRequests: Array<Record<string, string>>;
  close(): Promise<void>;
}

/** A running mini OP as the contract's double: what every provider double returns, with its own config entry. */
export function doubleOf<B extends DoubleBehaviour>(
  op: MiniOp,
  behaviour: B,
  upstreamConfig: UpstreamDouble<B>['upstreamConfig'],
): UpstreamDouble<B> {
  const { issuer, discoveryUrl, authentications, authorizationRequests, close } = op;
  return { issuer, discoveryUrl, authentications, authorizationRequests, behaviour, close, upstreamConfig };
}

const CODE_TTL_S = 600;
const TOKEN_TTL_S = 3600;

/** OIDC Core §3.1.2.1: re-authenticate when max_age has passed; max_age=0 is prompt=login. */
export function maxAgeExceeded(params: Record<string, string>, authTime: number, now: number): boolean {
  if (params.max_age === undefined) return false;
  const maxAge = Number(params.max_age);
  return !Number.isInteger(maxAge) || maxAge <= 0 || now - authTime > maxAge;
}

export function promptValues(params: Record<string, string>): string[] {
  return (params.prompt ?? '').split(' ').filter(Boolean);
}

export function scopesOf(params: Record<string, string>): Set<string> {
  return new Set((params.scope ?? '').split(' ').filter(Boolean));
}

const token = () => randomBytes(24).toString('base64url');

function stringsOf(input: unknown): Record<string, string> {
  const entries = Object.entries((input ?? {}) as Record<string, unknown>);
  return Object.fromEntries(entries.filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** RFC 7636 §4.6: BASE64URL(SHA256(code_verifier)) must equal the challenge of the authorization request. */
function pkceMatches(verifier: string | undefined, challenge: string | undefined): boolean {
  if (!verifier || !challenge) return false;
  return constantEquals(createHash('sha256').update(verifier).digest('base64url'), challenge);
}

async function signingKeys(alg: 'RS256' | 'ES256') {
  const make = async () => {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    return { privateKey, kid, jwk: { ...jwk, kid, alg, use: 'sig' } as JWK };
  };
  return { published: await make(), unpublished: await make() };
}

function tokenError(ctx: Context, status: number, error: string, description?: string): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  if (error === 'invalid_client' && ctx.get('authorization')) ctx.set('WWW-Authenticate', 'Basic realm="token"');
  ctx.body = { error, ...(description ? { error_description: description } : {}) };
}

function page(ctx: Context, status: number, heading: string, message: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = messagePage(heading, message);
}

/**
 * Starts a double on its own loopback port (and a second one for the login page when `separateLoginOrigin`):
 * discovery, JWKS, authorization with a session cookie, a password login page, token and userinfo endpoints.
 */
export async function startMiniOp(
  options: DoubleOptions & {
    behaviour: DoubleBehaviour;
    cookiePrefix: string;
    separateLoginOrigin?: boolean;
    rules: (origins: Origins) => ProviderRules;
  },
): Promise<MiniOp> {
  const main = await listenOnLoopback();
  const login = options.separateLoginOrigin ? await listenOnLoopback() : main;
  const origins: Origins = { origin: main.url, loginOrigin: login.url };
  const rules = options.rules(origins);
  const { behaviour } = options;
  const now = () => Math.floor((options.now ?? Date.now)() / 1000);
  const keys = await signingKeys(rules.signingAlg);
  const url = (path: string) => `${origins.origin}${path}`;
  const resumePath = `${rules.paths.authorization}/resume`;
  // Cookies are scoped by host, not port: every loopback party shares 127.0.0.1, so the name carries the port.
  const cookieName = `${options.cookiePrefix}${new URL(main.url).port}_session`;

  const authentications: Authentication[] = [];
  const authorizationRequests: Array<Record<string, string>> = [];
  const sessions = new Map<string, { sub: string; authTime: number }>();
  const pendingLogins = new Map<string, Record<string, string>>();
  const loginTickets = new Map<string, { sub: string; authTime: number; params: Record<string, string> }>();
  const codes = new Map<string, Grant & { expiresAt: number }>();
  const accessTokens = new Map<string, Grant & { expiresAt: number }>();
  const userByEmail = (email: string) =>
    options.users.find((u) => u.email.toLowerCase() === email.trim().toLowerCase());

  /** Sends an authorization response the way the request asked (redirect or auto-submitted form). */
  function respond(ctx: Context, params: Record<string, string>, fields: Record<string, string>): void {
    const response: Record<string, string> = { ...fields, ...(params.state ? { state: params.state } : {}) };
    if (rules.issParameter) response.iss = rules.issuer;
    ctx.set('Cache-Control', 'no-store');
    if (rules.responseMode(params) === 'form_post') {
      const nonce = randomBytes(16).toString('base64');
      ctx.set('Content-Security-Policy', `default-src 'none'; script-src 'nonce-${nonce}'; base-uri 'none'`);
      ctx.type = 'html';
      ctx.body = formPostPage(options.redirectUri, response, nonce);
      return;
    }
    const target = new URL(options.redirectUri);
    for (const [name, value] of Object.entries(response)) target.searchParams.set(name, value);
    ctx.redirect(target.href);
  }

  function issueCode(ctx: Context, user: DoubleUser, authTime: number, params: Record<string, string>): void {
    const grant: Grant = { user, authTime, params, scopes: scopesOf(params) };
    const code = token();
    codes.set(code, { ...grant, expiresAt: now() + CODE_TTL_S });
    respond(ctx, params, { code, ...rules.onAuthorized?.(grant) });
  }

  async function idToken(grant: Grant): Promise<string> {
    const iat = now();
    const claims = {
      ...rules.idTokenClaims(grant),
      ...(grant.params.nonce !== undefined ? { nonce: grant.params.nonce } : {}),
    };
    const key = behaviour.signWithUnpublishedKey ? keys.unpublished : keys.published;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: rules.signingAlg, kid: key.kid, typ: 'JWT' })
      .setIssuer(behaviour.idTokenIssuer ?? rules.issuer)
      .setAudience(behaviour.idTokenAudience ?? options.clientId)
      .setSubject(grant.user.sub)
      .setIssuedAt(iat)
      .setExpirationTime(iat + TOKEN_TTL_S)
      .sign(key.privateKey);
  }

  const app = new Router();
  app.get(rules.paths.discovery, (ctx) => {
    if (behaviour.discoveryDown) return page(ctx, 503, 'Service unavailable', 'Discovery is down (test behaviour).');
    ctx.body = {
      issuer: rules.issuer,
      authorization_endpoint: url(rules.paths.authorization),
      token_endpoint: url(rules.paths.token),
      jwks_uri: url(rules.paths.jwks),
      ...(rules.paths.userinfo ? { userinfo_endpoint: url(rules.paths.userinfo) } : {}),
      id_token_signing_alg_values_supported: [rules.signingAlg],
      ...rules.discovery,
    };
  });
  app.get(rules.paths.jwks, (ctx) => {
    ctx.body = { keys: [keys.published.jwk] };
  });

  app.get(rules.paths.authorization, (ctx) => {
    const params = stringsOf(ctx.query);
    authorizationRequests.push(params);
    // An unknown client or redirect URI gets a page, never a redirect (RFC 6749 §4.1.2.1).
    if (params.client_id !== options.clientId)
      return page(ctx, 400, 'Unknown application', 'client_id is not registered.');
    if (params.redirect_uri !== options.redirectUri) {
      return page(ctx, 400, 'Wrong redirect URI', 'redirect_uri is not registered for this client.');
    }
    const refusal = rules.refuse?.(params);
    if (refusal) return page(ctx, 400, 'Error 400: invalid_request', refusal);
    if (params.response_type !== 'code') return respond(ctx, params, { error: 'unsupported_response_type' });
    // Stricter than most real providers on purpose: the broker always uses PKCE, and must keep doing so.
    if (!params.code_challenge || params.code_challenge_method !== 'S256') {
      return respond(ctx, params, { error: 'invalid_request', error_description: 'PKCE with S256 is required' });
    }
    const session = sessions.get(ctx.cookies.get(cookieName) ?? '');
    const user = session && options.users.find((u) => u.sub === session.sub);
    if (user && !rules.mustLogIn(params, session.authTime, now()))
      return issueCode(ctx, user, session.authTime, params);
    if (promptValues(params).includes('none')) return respond(ctx, params, { error: 'login_required' });
    const requestId = token();
    pendingLogins.set(requestId, params);
    ctx.redirect(`${origins.loginOrigin}/login?request=${requestId}`);
  });

  // Where the login page sends the browser back (on the provider's own origin, which sets its session cookie).
  app.get(resumePath, (ctx) => {
    const ticketId = String(ctx.query.ticket ?? '');
    const ticket = loginTickets.get(ticketId);
    loginTickets.delete(ticketId);
    const user = ticket && options.users.find((u) => u.sub === ticket.sub);
    if (!ticket || !user) return page(ctx, 400, 'This sign-in has expired', 'Go back to the application.');
    const sessionId = token();
    sessions.set(sessionId, { sub: ticket.sub, authTime: ticket.authTime });
    ctx.cookies.set(cookieName, sessionId, { httpOnly: true, sameSite: 'lax', path: '/' });
    issueCode(ctx, user, ticket.authTime, ticket.params);
  });

  app.post(rules.paths.token, bodyParser({ enableTypes: ['form'] }), async (ctx) => {
    if (behaviour.tokenEndpointDown) return tokenError(ctx, 503, 'temporarily_unavailable');
    const form = stringsOf(ctx.request.body);
    const clientId = await rules.authenticateClient({ form, authorization: ctx.get('authorization') || undefined });
    if (!clientId) return tokenError(ctx, 401, 'invalid_client', 'client authentication failed');
    if (form.grant_type !== 'authorization_code') return tokenError(ctx, 400, 'unsupported_grant_type');
    const grant = codes.get(form.code ?? '');
    // Single use: the code is gone after the first attempt, successful or not (RFC 6749 §4.1.2).
    codes.delete(form.code ?? '');
    if (!grant || grant.expiresAt < now())
      return tokenError(ctx, 400, 'invalid_grant', 'unknown, used or expired code');
    if (grant.params.client_id !== clientId || grant.params.redirect_uri !== form.redirect_uri) {
      return tokenError(ctx, 400, 'invalid_grant', 'code was issued to another client or redirect_uri');
    }
    if (!pkceMatches(form.code_verifier, grant.params.code_challenge)) {
      return tokenError(ctx, 400, 'invalid_grant', 'PKCE verification failed');
    }
    const accessToken = token();
    accessTokens.set(accessToken, { ...grant, expiresAt: now() + TOKEN_TTL_S });
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: TOKEN_TTL_S,
      scope: [...grant.scopes].join(' '),
      id_token: await idToken(grant),
    };
  });

  const { userinfo } = rules;
  if (rules.paths.userinfo && userinfo) {
    const answer = (ctx: Context) => {
      const bearer = /^Bearer (\S+)$/.exec(ctx.get('authorization'))?.[1];
      const grant = bearer ? accessTokens.get(bearer) : undefined;
      if (!grant || grant.expiresAt < now()) {
        ctx.status = 401;
        ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
        return;
      }
      ctx.body = { sub: grant.user.sub, ...userinfo(grant) };
    };
    app.get(rules.paths.userinfo, answer);
    app.post(rules.paths.userinfo, answer);
  }

  const loginRoutes = new Router();
  const showLogin = (ctx: Context, requestId: string, extra: { email?: string; error?: string } = {}) => {
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = loginPage({
      heading: rules.heading,
      action: `${origins.loginOrigin}/login`,
      cancelAction: `${origins.loginOrigin}/cancel`,
      requestId,
      ...extra,
    });
  };
  loginRoutes.get('/login', (ctx) => {
    const requestId = String(ctx.query.request ?? '');
    if (!pendingLogins.has(requestId)) return page(ctx, 400, 'This sign-in has expired', 'Go back to the application.');
    showLogin(ctx, requestId);
  });
  loginRoutes.post('/login', bodyParser({ enableTypes: ['form'] }), (ctx) => {
    const form = stringsOf(ctx.request.body);
    const params = pendingLogins.get(form.request ?? '');
    if (!params) return page(ctx, 400, 'This sign-in has expired', 'Go back to the application.');
    const user = userByEmail(form.email ?? '');
    // Compared even for an unknown e-mail, so that both failures take the same time.
    const passwordMatches = constantEquals(form.password ?? '', user?.password ?? randomBytes(16).toString('hex'));
    if (!user || !passwordMatches) {
      ctx.status = 401;
      return showLogin(ctx, form.request ?? '', { email: form.email ?? '', error: 'Wrong email or password.' });
    }
    pendingLogins.delete(form.request ?? '');
    const at = now();
    authentications.push({ sub: user.sub, at, params });
    const ticket = token();
    loginTickets.set(ticket, { sub: user.sub, authTime: at, params });
    ctx.status = 303;
    ctx.redirect(`${url(resumePath)}?ticket=${ticket}`);
  });
  loginRoutes.post('/cancel', bodyParser({ enableTypes: ['form'] }), (ctx) => {
    const form = stringsOf(ctx.request.body);
    const params = pendingLogins.get(form.request ?? '');
    pendingLogins.delete(form.request ?? '');
    if (!params) return page(ctx, 400, 'This sign-in has expired', 'Go back to the application.');
    respond(ctx, params, { error: rules.cancelError ?? 'access_denied' });
  });

  const mainApp = new Koa().use(app.routes()).use(app.allowedMethods());
  if (login === main) mainApp.use(loginRoutes.routes());
  main.server.on('request', mainApp.callback());
  if (login !== main) login.server.on('request', new Koa().use(loginRoutes.routes()).callback());

  return {
    origins,
    issuer: rules.issuer,
    discoveryUrl: url(rules.paths.discovery),
    authentications,
    authorizationRequests,
    close: async () => {
      const servers: Server[] = login === main ? [main.server] : [main.server, login.server];
      await Promise.all(servers.map((s) => closeServer(s)));
    },
  };
}
