import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type Provider from 'oidc-provider';
import type { PortalDirectory } from '../../config/portal-directory.ts';
import { formBody } from '../../web/form-body.ts';
import { csrfProtection } from '../../web/csrf.ts';
import { noStore } from '../../web/no-store.ts';
import { renderPage } from '../../web/render-page.ts';
import { InteractionExpired } from './interaction-errors.ts';
import type { ViewRenderer } from '../../web/views.ts';
import type { InteractionIdentityStore } from '../../upstream/interaction-identities.ts';
import type { SubmitSupportRequest } from '../../support-requests/ask-support.ts';

export interface SupportRequestRouteOptions {
  provider: Provider;
  identities: InteractionIdentityStore;
  portals: PortalDirectory;
  views: ViewRenderer;
  submit: SubmitSupportRequest;
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');

/**
 * The "Ask support" form of the association page (views/partials/support-request-form.hbs) posts here, under the
 * interaction's path so the interaction cookie (scoped to it) comes along and names the sign-in that asks.
 */
export function supportRequestRoutes(options: SupportRequestRouteOptions): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  router.post('/support-request', noStore, bodyParser({ enableTypes: ['form'] }), csrfProtection(), async (ctx) => {
    let interaction;
    try {
      interaction = await options.provider.interactionDetails(ctx.req, ctx.res);
    } catch {
      throw new InteractionExpired();
    }
    const identity = interaction.uid === ctx.params.uid ? await options.identities.find(interaction.uid) : undefined;
    if (!identity) throw new InteractionExpired();
    const clientId = text(interaction.params.client_id) || null;
    const portal = options.portals.get(clientId);
    ctx.state.portal = portal;
    const form = formBody(ctx);
    const typed = { replyTo: text(form.replyTo), customer: text(form.customer), message: text(form.message) };
    const outcome = await options.submit({
      identity,
      ...typed,
      clientId,
      ip: ctx.ip,
      locale: String(ctx.state.locale),
    });
    if (outcome.kind === 'invalid') {
      // The same form, open, with what was typed and what to change: nothing the person wrote is lost.
      ctx.status = 400;
      renderPage(ctx, options.views, 'support-request-edit', {
        titleKey: 'supportRequest.editTitle',
        clientName: portal?.name,
        portalHomeUrl: portal?.homeUrl,
        uid: interaction.uid,
        askSupport: true,
        supportOpen: true,
        supportReplyTo: typed.replyTo,
        supportCustomer: typed.customer,
        supportMessage: typed.message,
        supportProblems: outcome.problems.map((problem) => ({ key: `supportRequest.problem.${problem}` })),
        ...Object.fromEntries(outcome.problems.map((problem) => [`problem_${problem}`, true])),
      });
      return;
    }
    renderPage(ctx, options.views, 'support-request-sent', {
      titleKey: 'supportRequest.sentTitle',
      clientName: portal?.name,
      portalHomeUrl: portal?.homeUrl,
      uid: interaction.uid,
    });
  });
  return router;
}
