import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import type { PortalDirectory } from '../../config/portal-directory.ts';
import {
  cancelAssociation,
  completeConfirmation,
  openLink,
  startConfirmation,
} from '../../linking/confirm-association.ts';
import { disownAssociation, openDisownLink, type DisownPage } from '../../linking/disown-association.ts';
import { looksLikeLinkToken } from '../../linking/link-token.ts';
import { DisownLinkNotFound, LinkNotFound } from '../../linking/linking-errors.ts';
import type { LinkingContext } from '../../linking/linking-context.ts';
import type { BrokerMetrics } from '../../metrics/broker-metrics.ts';
import type { Federation } from '../../upstream/federation.ts';
import type { UpstreamIdentity } from '../../upstream/upstream-identity.ts';
import { csrfProtection } from '../../web/csrf.ts';
import { noStore } from '../../web/no-store.ts';
import { formBody } from '../../web/form-body.ts';
import { renderPage } from '../../web/render-page.ts';
import type { ViewRenderer } from '../../web/views.ts';
import { setUpstreamStateCookie } from './upstream-state-cookie.ts';

/** The success page's content, kept signed in this browser: reload and back show it again instead of an error. */
const LINKED_COOKIE = 'ib.linked';
const LINKED_PAGE_TTL_MS = 3_600_000;

interface LinkedPage {
  accountName: string;
  upstreamName: string;
  clientName?: string;
  continueUrl?: string;
}

function readLinkedPage(ctx: Context): LinkedPage | undefined {
  const value = ctx.cookies.get(LINKED_COOKIE, { signed: true });
  if (!value) return undefined;
  try {
    const page = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<LinkedPage>;
    return typeof page.accountName === 'string' && typeof page.upstreamName === 'string'
      ? (page as LinkedPage)
      : undefined;
  } catch {
    return undefined;
  }
}

function tokenFrom(value: unknown): string {
  if (!looksLikeLinkToken(value)) throw new LinkNotFound();
  return value;
}

/**
 * The e-mailed link: `GET /link?token=…` only shows a page (mail scanners open links too); its button POSTs the
 * token, which is exchanged for a server-side reference before the browser is sent upstream to sign in again.
 * Referrer-Policy is no-referrer everywhere (security headers), so the token never leaves in a Referer.
 */
export function linkRoutes(
  linking: LinkingContext,
  federation: Federation,
  views: ViewRenderer,
  leadUpstream: Middleware,
): Router {
  const router = new Router({ prefix: '/link' });
  router.use(noStore, bodyParser({ enableTypes: ['form'] }), csrfProtection());

  router.get('/', leadUpstream, async (ctx) => {
    const token = tokenFrom(ctx.query.token);
    const { upstreamName, clientName } = await openLink(linking, token, ctx.ip);
    renderPage(ctx, views, 'link-confirm', { titleKey: 'linkConfirm.title', upstreamName, clientName, token });
  });

  router.post('/confirm', async (ctx) => {
    const { reference, upstreamId, clientId } = await startConfirmation(
      linking,
      tokenFrom(formBody(ctx).token),
      ctx.ip,
    );
    // Only the same identity, freshly authenticated (maxAge 0: after this moment), may confirm.
    const started = await federation.start({
      upstreamId,
      purpose: { kind: 'confirmation', reference },
      clientId,
      maxAge: 0,
    });
    setUpstreamStateCookie(ctx, started.state);
    ctx.status = 303;
    ctx.redirect(started.url.href);
  });

  // "Your sign-in is associated", after the confirmation's redirect (POST/callback-redirect-GET): a reload or the
  // back button shows it again; the confirmation itself is never repeated. Without the cookie there is nothing
  // this browser confirmed, so the page says the link cannot be used.
  router.get('/linked', async (ctx) => {
    const page = readLinkedPage(ctx);
    if (!page) throw new LinkNotFound();
    renderPage(ctx, views, 'association-linked', { titleKey: 'associationLinked.title', ...page });
  });

  // "This wasn't me" from the notice after a confirmation: the GET explains and asks (mail scanners open links
  // too), the POST undoes the association, ends the sessions and tells support; both then say what happened.
  const disownPage = (ctx: Context, page: DisownPage, token: string) => {
    const locale = String(ctx.state.locale);
    const when = page.confirmedAt
      ? `${new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(page.confirmedAt)} UTC`
      : undefined;
    renderPage(ctx, views, page.disowned ? 'disowned' : 'disown', {
      titleKey: page.disowned ? 'disown.doneTitle' : 'disown.title',
      upstreamName: page.upstreamName,
      signInName: page.signInName,
      accountName: page.accountName,
      clientName: page.clientName,
      portalHomeUrl: page.homeUrl,
      when,
      ...(page.disowned ? {} : { token }),
    });
  };
  const disownToken = (value: unknown): string => {
    if (!looksLikeLinkToken(value)) throw new DisownLinkNotFound(linking.support);
    return value;
  };

  router.get('/not-me', async (ctx) => {
    const token = disownToken(ctx.query.token);
    disownPage(ctx, await openDisownLink(linking, token), token);
  });

  router.post('/not-me', async (ctx) => {
    const token = disownToken(formBody(ctx).token);
    const page = await disownAssociation(linking, token, {
      ip: ctx.ip,
      locale: String(ctx.state.locale),
      userAgent: ctx.get('user-agent'),
    });
    disownPage(ctx, page, token);
  });

  router.post('/cancel', async (ctx) => {
    await cancelAssociation(linking, tokenFrom(formBody(ctx).token), { ip: ctx.ip, locale: ctx.state.locale });
    renderPage(ctx, views, 'link-cancelled', { titleKey: 'linkCancelled.title', support: linking.support });
  });

  return router;
}

/** The end of a confirmation, called by the upstream callback route with the re-authenticated identity. */
export function confirmationFinisher(
  linking: LinkingContext,
  views: ViewRenderer,
  portals: PortalDirectory,
  metrics?: BrokerMetrics,
) {
  return async (ctx: Context, reference: string, identity: UpstreamIdentity): Promise<void> => {
    const confirmed = await completeConfirmation(linking, reference, identity, {
      ip: ctx.ip,
      locale: ctx.state.locale,
      userAgent: ctx.get('user-agent'),
    });
    metrics?.associations.inc({ step: 'confirmed' });
    // The sign-in this association interrupted resumes where it is still alive; otherwise the portal starts one.
    const onward = portals.get(confirmed.clientId)?.continueUrl;
    const continueUrl = confirmed.interactionUid ? `/interaction/${confirmed.interactionUid}/continue` : onward;
    const page: LinkedPage = {
      accountName: confirmed.accountName,
      upstreamName: confirmed.upstreamName,
      clientName: linking.clientName(confirmed.clientId),
      continueUrl,
    };
    ctx.cookies.set(LINKED_COOKIE, Buffer.from(JSON.stringify(page)).toString('base64url'), {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      path: '/link/',
      maxAge: LINKED_PAGE_TTL_MS,
      overwrite: true,
    });
    ctx.status = 303;
    ctx.redirect('/link/linked');
  };
}
