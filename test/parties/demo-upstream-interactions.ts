import { createHash, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { DemoUser } from './demo-upstream.ts';
import { renderUpstreamPage } from './demo-upstream-pages.ts';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

// Compared as digests so that the comparison takes the same time whatever the length or content of the guess.
function samePassword(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function field(ctx: Context, name: string): string {
  const value = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/**
 * Demo ID's own interaction pages: a password login and a Cancel button. Consent is never asked (the provider's
 * loadExistingGrant grants what is requested), so only the login prompt has a page. No CSRF token is needed:
 * oidc-provider's interaction cookie is SameSite=Lax and scoped to this uid, so a cross-site post carries none.
 */
export function interactionRoutes(provider: Provider, users: readonly DemoUser[]): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  // Only these routes parse bodies: oidc-provider parses its own and objects to a body parsed before it.
  router.use(bodyParser({ enableTypes: ['form'] }));

  async function details(ctx: Context): Promise<Interaction | undefined> {
    try {
      const interaction = await provider.interactionDetails(ctx.req, ctx.res);
      if (interaction.uid === ctx.params.uid) return interaction;
    } catch {
      // An unknown, expired or finished interaction: oidc-provider throws SessionNotFound; shown below.
    }
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = renderUpstreamPage('message', {
      heading: 'This sign-in has expired',
      message: 'Go back to the application and sign in again.',
    });
    return undefined;
  }

  async function finish(ctx: Context, result: InteractionResults): Promise<void> {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  function loginPage(ctx: Context, interaction: Interaction, extra: { email?: string; error?: string } = {}): void {
    ctx.type = 'html';
    ctx.body = renderUpstreamPage('login', {
      uid: interaction.uid,
      clientId: String(interaction.params.client_id ?? ''),
      users: users.slice(0, 5),
      ...extra,
    });
  }

  router.get('/', async (ctx) => {
    const interaction = await details(ctx);
    if (!interaction) return;
    if (interaction.prompt.name === 'login') return loginPage(ctx, interaction);
    // Consent reaches here only for what loadExistingGrant does not cover (a `claims` request parameter):
    // Demo ID still grants everything asked, as a consumer IdP the user already trusts would.
    const accountId = interaction.session?.accountId;
    if (interaction.prompt.name !== 'consent' || !accountId) return loginPage(ctx, interaction);
    const grant =
      (interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined) ??
      new provider.Grant({ accountId, clientId: String(interaction.params.client_id) });
    const { missingOIDCScope, missingOIDCClaims } = interaction.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
    };
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    await finish(ctx, { consent: { grantId: await grant.save() } });
  });

  router.post('/login', async (ctx) => {
    const interaction = await details(ctx);
    if (!interaction) return;
    const email = field(ctx, 'email').trim();
    const user = users.find((u) => u.email.toLowerCase() === email.toLowerCase());
    // Checked even for an unknown e-mail, so the answer takes as long whether or not the account exists.
    const passwordOk = samePassword(field(ctx, 'password'), user?.password ?? '\0no-such-user');
    if (!user || !passwordOk) return loginPage(ctx, interaction, { email, error: 'Wrong e-mail or password.' });
    await finish(ctx, { login: { accountId: user.sub, amr: ['pwd'] } });
  });

  router.post('/abort', async (ctx) => {
    if (!(await details(ctx))) return;
    await finish(ctx, { error: 'access_denied', error_description: 'The user cancelled the sign-in' });
  });

  return router;
}
