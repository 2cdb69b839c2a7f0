import type { Context, Middleware } from 'koa';

/** OpenID Connect Core 3.1.2.1 and RP-Initiated Logout 1.0 (2): these accept POST as well as GET. */
const POST_AS_GET_PATHS = new Set(['/auth', '/session/end']);
/** Larger forms are not authorization or logout requests; their parameters would not fit a URL either. */
const MAX_FORM_BYTES = 8 * 1024;

async function readForm(stream: AsyncIterable<Buffer>): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const forms = new WeakMap<object, Promise<string | undefined>>();

/**
 * The form of a POST (undefined when over the size limit), read once: the request's body is a stream, and a
 * middleware that looks at the form before this one (server-side-logout-route.ts) leaves it to this one.
 */
export function postedForm(ctx: Context): Promise<string | undefined> {
  let form = forms.get(ctx.req);
  if (!form) {
    form = readForm(ctx.req);
    forms.set(ctx.req, form);
  }
  return form;
}

/**
 * Answers a form POST to the authorization or end-session endpoint with a 303 to the same endpoint as a GET with
 * the same parameters, which oidc-provider then handles as any GET.
 *
 * Why not oidc-provider's own `enableHttpPostMethods`: it requires the session cookie to be `SameSite=None`, since
 * a browser sends no `SameSite=Lax` cookie with a cross-site POST. `None` would send the session cookie with every
 * cross-site request, from frames and scripts of any site too, and it must be `Secure`, which breaks the http
 * loopback of the demo and the tests. A 303 turns the POST into a top-level GET navigation, with which browsers do
 * send `Lax` cookies: the person's session is found, and the cookie stays `Lax`. The cost is one round trip, and
 * the parameters travel in the URL like those of every GET request.
 */
export function postAsGet(issuer: string): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || !POST_AS_GET_PATHS.has(ctx.path)) return next();
    if (!ctx.is('application/x-www-form-urlencoded')) {
      ctx.throw(415, 'the authorization and end-session endpoints accept application/x-www-form-urlencoded');
    }
    const form = await postedForm(ctx);
    if (form === undefined) ctx.throw(413, 'request parameters too large');
    const query = new URLSearchParams(form).toString();
    ctx.status = 303;
    // The issuer, not the Host header, names where to go (the URLs the broker writes are pinned to it).
    ctx.redirect(`${issuer}${ctx.path}${query ? `?${query}` : ''}`);
  };
}
