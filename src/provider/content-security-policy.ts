import type { Context } from 'koa';

const HEADER = 'content-security-policy';

/**
 * Edits the Content-Security-Policy header already set on this response (by the broker's security headers) one
 * directive at a time; the same parsing oidc-provider uses when it adds the hash of its own inline script.
 */
export function editContentSecurityPolicy(ctx: Context, edit: (directives: Map<string, string[]>) => void): void {
  const header = ctx.response.get(HEADER);
  if (!header) return;
  const directives = new Map<string, string[]>();
  for (const directive of header.split(';')) {
    const [name, ...values] = directive.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), values);
  }
  edit(directives);
  ctx.set(HEADER, [...directives].map(([name, values]) => [name, ...values].join(' ')).join('; '));
}
