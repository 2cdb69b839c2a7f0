import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as oidc from 'openid-client';

/**
 * A server-side portal as the common stacks build one, for the browser tests: ASP.NET Core's OpenID Connect handler
 * (`response_mode=form_post`, PKCE, the secret in the body), RP-initiated logout with `id_token_hint`, a front-channel
 * logout page that ends the portal's session for the `sid` it names, and pages that start the sign-in and the logout with a
 * POST (the forms an older stack renders). Sessions and pending logins live in memory.
 */
export interface BrowserPortalOptions {
  /** Where the browser reaches the portal, e.g. http://127.0.0.1:41235 (or http://localhost:… for another site). */
  baseUrl: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  name: string;
  responseMode: 'form_post' | 'query';
}

export interface BrowserPortal {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Front-channel logout requests received, with their `iss` and `sid`. */
  frontchannelLogouts: Array<{ iss: string | null; sid: string | null }>;
}

interface Session {
  claims: oidc.IDToken;
  idToken: string;
}

const COOKIE = 'portal_session';

function html(res: ServerResponse, body: string, status = 200): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>portal</title></head><body>${body}</body></html>`,
  );
}

function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(303, { location, ...headers }).end();
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return new URLSearchParams(body);
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function createBrowserPortal(options: BrowserPortalOptions): BrowserPortal {
  const redirectUri = `${options.baseUrl}/callback`;
  const home = `${options.baseUrl}/`;
  const pending = new Map<string, { nonce: string; codeVerifier: string }>();
  const sessions = new Map<string, Session>();
  const frontchannelLogouts: BrowserPortal['frontchannelLogouts'] = [];
  let configuration: Promise<oidc.Configuration> | undefined;
  const discover = () =>
    (configuration ??= oidc.discovery(
      new URL(options.issuer),
      options.clientId,
      undefined,
      oidc.ClientSecretPost(options.clientSecret),
      {
        execute: [oidc.allowInsecureRequests],
      },
    ));

  async function authorizationParameters(prompt?: string): Promise<Record<string, string>> {
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    pending.set(state, { nonce, codeVerifier });
    return {
      client_id: options.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid email',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      ...(options.responseMode === 'form_post' ? { response_mode: 'form_post' } : {}),
      ...(prompt ? { prompt } : {}),
    };
  }

  async function callback(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const params = req.method === 'POST' ? await readForm(req) : url.searchParams;
    const state = params.get('state') ?? '';
    const login = pending.get(state);
    pending.delete(state);
    if (params.get('error') || !login) {
      html(res, `<h1>${options.name}</h1><p id="error">${escape(params.get('error') ?? 'unknown state')}</p>`);
      return;
    }
    // A form_post answer validated like a query one: the same parameters, whichever way they came.
    const response = new URL(redirectUri);
    for (const [key, value] of params) response.searchParams.set(key, value);
    const tokens = await oidc.authorizationCodeGrant(await discover(), response, {
      expectedState: state,
      expectedNonce: login.nonce,
      pkceCodeVerifier: login.codeVerifier,
      idTokenExpected: true,
    });
    const id = randomBytes(16).toString('hex');
    sessions.set(id, { claims: tokens.claims()!, idToken: tokens.id_token! });
    redirect(res, home, { 'set-cookie': `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax` });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', options.baseUrl);
    const sessionId = /(?:^|;\s*)portal_session=([0-9a-f]+)/.exec(req.headers.cookie ?? '')?.[1];
    const session = sessionId ? sessions.get(sessionId) : undefined;
    switch (url.pathname) {
      case '/':
        return html(
          res,
          `<h1>${options.name}</h1>` +
            (session
              ? `<p id="status">signed in</p><pre id="claims">${escape(JSON.stringify(session.claims))}</pre><a id="logout" href="/logout">Sign out</a>`
              : `<p id="status">signed out</p><a id="login" href="/login">Sign in</a>`),
        );
      case '/login': {
        const config = await discover();
        return redirect(
          res,
          oidc.buildAuthorizationUrl(config, await authorizationParameters(url.searchParams.get('prompt') ?? undefined))
            .href,
        );
      }
      case '/login-by-post': {
        // The authorization request as a form POST, submitted by the page itself.
        const fields = Object.entries(await authorizationParameters(url.searchParams.get('prompt') ?? undefined))
          .map(([name, value]) => `<input type="hidden" name="${name}" value="${escape(value)}">`)
          .join('');
        return html(
          res,
          `<form method="post" action="${options.issuer}/auth">${fields}</form><script>document.forms[0].submit()</script>`,
        );
      }
      case '/callback':
        return callback(req, res, url);
      case '/logout': {
        if (sessionId) sessions.delete(sessionId);
        const config = await discover();
        const hint: Record<string, string> = session
          ? { id_token_hint: session.idToken }
          : { client_id: options.clientId };
        return redirect(res, oidc.buildEndSessionUrl(config, { ...hint, post_logout_redirect_uri: home }).href, {
          'set-cookie': `${COOKIE}=; Path=/; Max-Age=0`,
        });
      }
      case '/logout-by-post': {
        // RP-initiated logout as a form POST, submitted by the page itself.
        if (sessionId) sessions.delete(sessionId);
        const fields = {
          ...(session ? { id_token_hint: session.idToken } : { client_id: options.clientId }),
          post_logout_redirect_uri: home,
        };
        const inputs = Object.entries(fields)
          .map(([name, value]) => `<input type="hidden" name="${name}" value="${escape(value)}">`)
          .join('');
        res.setHeader('set-cookie', `${COOKIE}=; Path=/; Max-Age=0`);
        return html(
          res,
          `<form method="post" action="${options.issuer}/session/end">${inputs}</form><script>document.forms[0].submit()</script>`,
        );
      }
      case '/frontchannel-logout': {
        const sid = url.searchParams.get('sid');
        frontchannelLogouts.push({ iss: url.searchParams.get('iss'), sid });
        for (const [id, s] of sessions) if (s.claims.sid === sid) sessions.delete(id);
        return html(res, '<p>signed out</p>');
      }
      default:
        return html(res, '<p>not found</p>', 404);
    }
  }

  return {
    frontchannelLogouts,
    handle(req, res) {
      route(req, res).catch((error: unknown) =>
        html(res, `<p id="error">${escape(String((error as Error).message ?? error))}</p>`, 500),
      );
    },
  };
}
