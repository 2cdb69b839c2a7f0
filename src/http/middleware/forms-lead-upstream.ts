import type { Middleware } from 'koa';

/**
 * For the pages whose buttons send the person upstream (the provider choice, the link's confirm button): Chromium
 * applies `form-action` to every redirect that follows a form submission, and a provider's authorization endpoint
 * may redirect on to a login page on an origin nobody can list in advance (login.microsoftonline.com sends personal
 * accounts to login.live.com; hosted UIs live on their own domains). These pages therefore allow forms to lead to
 * any https origin — and to loopback http where upstreams run there (tests, the demo). Every other page keeps the
 * strict `form-action` the security headers set.
 */
export function formsLeadUpstream(options: { loopbackHttp: boolean }): Middleware {
  const sources = `'self' https:${options.loopbackHttp ? ' http://127.0.0.1:* http://localhost:*' : ''}`;
  return async (ctx, next) => {
    await next();
    const policy = ctx.response.get('Content-Security-Policy');
    if (policy) ctx.set('Content-Security-Policy', policy.replace(/form-action [^;]*/, `form-action ${sources}`));
  };
}
