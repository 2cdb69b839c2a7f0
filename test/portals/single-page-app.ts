import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A single-page app as a public client builds one with nothing but the browser: PKCE made with WebCrypto, the code
 * exchanged and the refresh token used by `fetch` from the app's own origin (CORS), no secret anywhere. It shows
 * `#status` (signed out | signed in | error) and `#detail` (whether the refresh rotated, or the error).
 */
export function singlePageApp(options: {
  issuer: string;
  clientId: string;
}): (req: IncomingMessage, res: ServerResponse) => void {
  const script = `
const issuer = ${JSON.stringify(options.issuer)}, clientId = ${JSON.stringify(options.clientId)};
const redirectUri = location.origin + '/';
const show = (status, detail) => { document.getElementById('status').textContent = status; document.getElementById('detail').textContent = detail || ''; };
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
async function signIn() {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem('login', JSON.stringify({ verifier, state }));
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const url = new URL(issuer + '/auth');
  url.search = new URLSearchParams({ client_id: clientId, response_type: 'code', redirect_uri: redirectUri, scope: 'openid email offline_access',
    prompt: 'consent', state, code_challenge: challenge, code_challenge_method: 'S256' });
  location.assign(url);
}
async function token(params) {
  const response = await fetch(issuer + '/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: clientId, ...params }) });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error);
  return body;
}
(async () => {
  document.getElementById('login').addEventListener('click', signIn);
  const params = new URLSearchParams(location.search);
  if (!params.has('code')) return show('signed out');
  const { verifier, state } = JSON.parse(sessionStorage.getItem('login') || '{}');
  if (params.get('state') !== state) return show('error', 'state mismatch');
  try {
    const tokens = await token({ grant_type: 'authorization_code', code: params.get('code'), redirect_uri: redirectUri, code_verifier: verifier });
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    show('signed in', refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token ? 'refresh rotated' : 'refresh not rotated');
  } catch (error) {
    show('error', String(error.message));
  }
})();`;
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SPA</title></head><body><h1>SPA</h1>
<p id="status">loading</p><p id="detail"></p><button id="login" type="button">Sign in</button><script>${script}</script></body></html>`;
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
  };
}
