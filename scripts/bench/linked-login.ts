import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { LOGIN_SCOPE, PORTAL } from './bench-parties.ts';
import { CookieJar } from './cookie-jar.ts';
import type { LinkedUser } from './loopback-setup.ts';
import { exchangeCode, type TokenResponse } from './token-requests.ts';

const MAX_HOPS = 20;

/** Time spent per kind of request, summed over logins: where a login's time goes, seen from the browser. */
export class HopTimes {
  readonly totals = new Map<string, { count: number; ms: number }>();

  add(label: string, ms: number): void {
    const entry = this.totals.get(label) ?? { count: 0, ms: 0 };
    entry.count += 1;
    entry.ms += ms;
    this.totals.set(label, entry);
  }

  /** Mean milliseconds per request of each kind, slowest first. */
  means(): Array<{ request: string; meanMs: number; count: number }> {
    return [...this.totals]
      .map(([request, { count, ms }]) => ({ request, count, meanMs: Math.round((ms / count) * 100) / 100 }))
      .sort((a, b) => b.meanMs - a.meanMs);
  }
}

export interface LoginParties {
  brokerUrl: string;
  upstreamUrl: string;
  hops?: HopTimes;
}

/** `broker GET /interaction/:id/continue`: the party and the path with its random parts folded. */
function hopLabel(parties: LoginParties, method: string, url: URL): string {
  const party = url.origin === parties.brokerUrl ? 'broker' : url.origin === parties.upstreamUrl ? 'upstream' : url.origin;
  return `${party} ${method} ${url.pathname.replace(/\/[A-Za-z0-9_-]{16,}/g, '/:id')}`;
}

function idTokenSubject(idToken: string | undefined): unknown {
  const payload = idToken?.split('.')[1];
  return payload ? (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub?: unknown }).sub : undefined;
}

/**
 * One whole login of a linked user, as a portal and a browser make it, over real HTTP: the portal's authorization
 * request (PKCE S256, state, nonce) to the broker's /auth, every redirect followed with a cookie jar (broker
 * interaction, upstream /auth, the upstream login page), the upstream login form posted, redirects followed again
 * (upstream resume, the broker's upstream callback, which exchanges the upstream code server to server, the
 * broker's /continue and resume) up to the portal's redirect URI, then the portal's code exchange at /token. Throws
 * unless it ends in tokens whose ID token names the user's linked account; returns them.
 */
export async function linkedLogin(
  parties: LoginParties,
  linked: LinkedUser,
  options: { scope?: string; prompt?: string } = {},
): Promise<TokenResponse> {
  const jar = new CookieJar();
  const state = randomBytes(16).toString('base64url');
  const codeVerifier = randomBytes(32).toString('base64url');
  const authorize = new URL(`${parties.brokerUrl}/auth`);
  authorize.search = new URLSearchParams({
    client_id: PORTAL.clientId,
    response_type: 'code',
    redirect_uri: PORTAL.redirectUri,
    scope: options.scope ?? LOGIN_SCOPE,
    ...(options.prompt ? { prompt: options.prompt } : {}),
    state,
    nonce: randomBytes(16).toString('base64url'),
    code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();

  async function navigate(start: URL, form?: Record<string, string>): Promise<{ url: URL; html: string }> {
    let url = start;
    let method = form ? 'POST' : 'GET';
    let body = form ? new URLSearchParams(form).toString() : undefined;
    for (let hop = 0; hop < MAX_HOPS; hop += 1) {
      const started = performance.now();
      const response = await fetch(url, {
        method,
        redirect: 'manual',
        headers: {
          accept: 'text/html',
          cookie: jar.header(url),
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        body,
      });
      jar.store(url, response.headers.getSetCookie());
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) {
        const html = await response.text();
        parties.hops?.add(hopLabel(parties, method, url), performance.now() - started);
        if (response.status !== 200) throw new Error(`${method} ${url.pathname}: ${response.status}`);
        return { url, html };
      }
      await response.body?.cancel();
      parties.hops?.add(hopLabel(parties, method, url), performance.now() - started);
      const next = new URL(location, url);
      if (next.href.startsWith(PORTAL.redirectUri)) return { url: next, html: '' };
      url = next;
      method = 'GET';
      body = undefined;
    }
    throw new Error(`more than ${MAX_HOPS} redirects from ${start.pathname}`);
  }

  const loginPage = await navigate(authorize);
  const action = /<form[^>]*action="([^"]*\/login)"/.exec(loginPage.html)?.[1];
  if (!action) throw new Error(`not the upstream login page: ${loginPage.url.pathname}`);
  const back = await navigate(new URL(action.replace(/&amp;/g, '&'), loginPage.url), {
    email: linked.user.email,
    password: linked.user.password,
  });
  const code = back.url.searchParams.get('code');
  if (!back.url.href.startsWith(PORTAL.redirectUri) || !code) {
    throw new Error(`login did not reach the portal with a code: ${back.url.pathname} ${back.url.searchParams.get('error') ?? ''}`);
  }
  if (back.url.searchParams.get('state') !== state) throw new Error('state mismatch');

  const started = performance.now();
  const tokens = await exchangeCode(parties.brokerUrl, code, codeVerifier);
  parties.hops?.add('broker POST /token (the portal exchanges the code)', performance.now() - started);
  if (idTokenSubject(tokens.id_token) !== linked.accountId) throw new Error('ID token is not for the linked account');
  return tokens;
}
