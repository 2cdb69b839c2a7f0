import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Identity } from '../accounts/people.ts';
import compose from 'koa-compose';
import { setUpstreamStateCookie } from '../http/routes/upstream-state-cookie.ts';
import type { AccountPageCallback } from '../http/routes/upstream-callback.ts';
import { recordSignIn } from '../sign-in/resolve-sign-in.ts';
import type { Federation } from '../upstream/federation.ts';
import type { AccountPageStep } from '../upstream/login-transactions.ts';
import { csrfProtection } from '../web/csrf.ts';
import { formBody } from '../web/form-body.ts';
import { noStore } from '../web/no-store.ts';
import { renderPage } from '../web/render-page.ts';
import type { ViewRenderer } from '../web/views.ts';
import type { AccountPageContext } from './account-page-context.ts';
import {
  addSignIn,
  leaveAccount,
  leavingPreview,
  removalPreview,
  removeSignIn,
  signOutEverywhere,
  type PagePerson,
} from './account-page-changes.ts';
import { NotYours, PageSignedOut, SignInNotLinked, isAccountPageProblem } from './account-page-problems.ts';
import { accountsOf, activityOf, signInsOf } from './account-page-reads.ts';
import { frontchannelFrames } from '../provider/logout/frontchannel-logout.ts';
import { personalData } from './personal-data.ts';

const COOKIE = 'ib.me';
// Scoped to the page: portals' and the console's paths never receive it.
const COOKIE_PATH = '/me';

/** What a `done` in the page's address may say happened (after POST-redirect-GET). */
const DONE = new Set(['left', 'added', 'already-yours', 'removed', 'cancelled']);

export interface AccountPageRouteOptions {
  context: AccountPageContext;
  federation: Federation;
  views: ViewRenderer;
  /** The page's forms lead upstream (sign in, add a sign-in, prove a kept one): CSP form-action widened. */
  leadUpstream: Middleware;
  /** Front-channel logout URIs of the portals that have one (frontchannelLogoutUris). */
  frontchannelLogoutUris: ReadonlyMap<string, string>;
  issuer: string;
}

declare module 'koa' {
  interface DefaultState {
    /** The person of the page session (set by the session middleware of /me). */
    /** With the person's sign-ins as read to check the session, for the page to show without reading them again. */
    pagePerson?: PagePerson & { sessionName: string; identities: Identity[] };
  }
}

function setPageCookie(ctx: Context, id: string | null, ttlMs?: number): void {
  ctx.cookies.set(COOKIE, id, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    path: COOKIE_PATH,
    ...(ttlMs ? { maxAge: ttlMs } : {}),
    overwrite: true,
  });
}

const originOf = (ctx: Context) => ({
  ip: ctx.ip,
  locale: String(ctx.state.locale),
  userAgent: ctx.get('user-agent'),
});

/**
 * The person's own page at /me: their accounts, sign-ins, recent activity, signing out everywhere and their data,
 * for a person signed in through the broker's own upstream sign-in (a page session of its own, like the staff
 * console's, never a portal's token). Reads and changes are in account-page-reads.ts and account-page-changes.ts;
 * here HTTP is translated: every change is a form with a CSRF token, answered by a redirect back to the page.
 *
 * `GET /me` with a bearer token is oidc-provider's userinfo endpoint, which has this path by default: such a request
 * is passed on untouched.
 */
export function accountPageRoutes(options: AccountPageRouteOptions): {
  router: Router;
  onCallback: AccountPageCallback;
} {
  const router = new Router({ prefix: COOKIE_PATH });
  router.use(problemPages(options));
  const kit = pageKit(options);
  overviewRoute(router, options, kit);
  changeRoutes(router, options, kit);
  return { router, onCallback: callbackOf(options) };
}

type PageKit = ReturnType<typeof pageKit>;

/** What the routes share: the page session, forms with CSRF tokens, and sending the person upstream. */
function pageKit(options: AccountPageRouteOptions) {
  const { context, federation } = options;
  const form = bodyParser({ enableTypes: ['form'], formLimit: '8kb' });
  const csrf = csrfProtection();

  /** Finds the page session and checks it still stands: its sign-in is still the person's. */
  const session: Middleware = async (ctx, next) => {
    const id = ctx.cookies.get(COOKIE, { signed: true });
    const found = id ? await context.sessions.find(id) : undefined;
    if (found && id) {
      const identities = await context.directory.identitiesOf(found.personId);
      if (identities.some((identity) => identity.id === found.identityId)) {
        ctx.state.pagePerson = {
          personId: found.personId,
          identityId: found.identityId,
          origin: originOf(ctx),
          sessionName: context.sessions.nameOf(id),
          identities,
        };
      }
    }
    return next();
  };
  const signedIn: Middleware = async (ctx, next) => {
    if (!ctx.state.pagePerson) throw new PageSignedOut();
    return next();
  };

  const goUpstream = async (ctx: Context, upstreamId: string, step: AccountPageStep, fresh: boolean) => {
    if (!context.upstreams.some((u) => u.id === upstreamId)) throw new NotYours();
    const started = await federation.start({
      upstreamId,
      purpose: { kind: 'me', step },
      clientId: null,
      ...(fresh ? { maxAge: 0 } : {}),
    });
    setUpstreamStateCookie(ctx, started.state);
    ctx.status = 303;
    ctx.redirect(started.url.href);
  };

  return { form, csrf, session, signedIn, goUpstream };
}

const person = (ctx: Context) => ctx.state.pagePerson as NonNullable<Context['state']['pagePerson']>;

/** The page itself, or the sign-in choice without a page session. */
function overviewRoute(router: Router, options: AccountPageRouteOptions, kit: PageKit): void {
  const { context, views, leadUpstream } = options;
  const { session, csrf } = kit;
  const page = compose([
    noStore,
    session,
    csrf,
    leadUpstream,
    async (ctx: Context) => {
      if (!ctx.state.pagePerson) {
        return renderPage(ctx, views, 'me-sign-in', {
          titleKey: 'me.signIn.title',
          upstreams: context.upstreams,
          portals: context.portals,
        });
      }
      const { personId, identityId, identities } = person(ctx);
      const signInsFrom = Math.max(0, Math.min(Number.parseInt(String(ctx.query.signIns ?? '0'), 10) || 0, 1000));
      const changesCursor = typeof ctx.query.changes === 'string' ? ctx.query.changes : undefined;
      const memberships = await context.directory.membershipsOf(personId);
      const activity = await activityOf(context, personId, identities, memberships, { signInsFrom, changesCursor });
      const signIns = signInsOf(context, identities, identityId);
      const done = typeof ctx.query.done === 'string' && DONE.has(ctx.query.done) ? ctx.query.done : undefined;
      renderPage(ctx, views, 'me', {
        titleKey: 'me.title',
        accounts: accountsOf(memberships, context.now()),
        signIns,
        canRemove: signIns.length > 1,
        upstreams: context.upstreams,
        activity: {
          ...activity,
          changes: activity.changes.map((c) => ({ ...c, typeKey: `me.change.${c.type.replaceAll('.', '_')}` })),
        },
        ...(done ? { doneKey: `me.done.${done}` } : {}),
        support: context.support,
      });
    },
  ]);
  // A request with an access token is oidc-provider's userinfo (default path /me): on to the provider, untouched.
  router.get('/', (ctx, next) =>
    ctx.get('authorization') || ctx.query.access_token !== undefined ? next() : page(ctx, () => Promise.resolve()),
  );
}

/** Every change: a form with a CSRF token, answered by a redirect back to the page (or a page saying what ended). */
function changeRoutes(router: Router, options: AccountPageRouteOptions, kit: PageKit): void {
  const { context, views, leadUpstream } = options;
  const { form, csrf, session, signedIn, goUpstream } = kit;

  router.post('/login', noStore, form, csrf, leadUpstream, async (ctx) => {
    await goUpstream(ctx, String(formBody(ctx).upstreamId ?? ''), { action: 'open' }, false);
  });

  router.post('/logout', noStore, session, form, csrf, async (ctx) => {
    const id = ctx.cookies.get(COOKIE, { signed: true });
    if (id) await context.sessions.end(id);
    setPageCookie(ctx, null);
    renderPage(ctx, views, 'me-signed-out', {
      titleKey: 'me.signedOut.title',
      everywhere: false,
      portals: context.portals,
    });
  });

  router.get('/accounts/:membershipId/leave', noStore, session, signedIn, csrf, async (ctx) => {
    const { membership, lastMember } = await leavingPreview(
      context,
      person(ctx).personId,
      ctx.params.membershipId ?? '',
    );
    renderPage(ctx, views, 'me-leave', {
      titleKey: 'me.leave.title',
      membershipId: membership.membership.id,
      accountName: membership.account.name,
      customerNumber: membership.account.customerNumber,
      contactEmail: membership.contact.email,
      lastMember,
      support: context.support,
    });
  });

  router.post('/accounts/:membershipId/leave', noStore, session, signedIn, form, csrf, async (ctx) => {
    await leaveAccount(context, person(ctx), ctx.params.membershipId ?? '');
    ctx.status = 303;
    ctx.redirect('/me?done=left');
  });

  router.post('/sign-ins/add', noStore, session, signedIn, form, csrf, leadUpstream, async (ctx) => {
    const step = { action: 'add', session: person(ctx).sessionName } as const;
    await goUpstream(ctx, String(formBody(ctx).upstreamId ?? ''), step, true);
  });

  router.get('/sign-ins/:identityId/remove', noStore, session, signedIn, csrf, leadUpstream, async (ctx) => {
    const { removing, kept } = await removalPreview(context, person(ctx).personId, ctx.params.identityId ?? '');
    const [removed] = signInsOf(context, [removing], person(ctx).identityId);
    renderPage(ctx, views, 'me-remove', {
      titleKey: 'me.remove.title',
      removing: removed,
      kept: signInsOf(context, kept, person(ctx).identityId),
    });
  });

  router.post('/sign-ins/:identityId/remove', noStore, session, signedIn, form, csrf, leadUpstream, async (ctx) => {
    const who = person(ctx);
    const { kept } = await removalPreview(context, who.personId, ctx.params.identityId ?? '');
    const keeper = kept.find((identity) => identity.id === formBody(ctx).keptIdentityId);
    if (!keeper) throw new NotYours();
    const step = {
      action: 'remove',
      session: who.sessionName,
      identityId: ctx.params.identityId ?? '',
      keptIdentityId: keeper.id,
    } as const;
    await goUpstream(ctx, keeper.upstreamId, step, true);
  });

  router.post('/sign-out-everywhere', noStore, session, signedIn, form, csrf, async (ctx) => {
    const ended = await signOutEverywhere(context, person(ctx));
    setPageCookie(ctx, null);
    const frames = frontchannelFrames(ctx, options.frontchannelLogoutUris, options.issuer, ended);
    renderPage(ctx, views, 'me-signed-out', {
      titleKey: 'me.signedOut.title',
      everywhere: true,
      frames,
      portals: context.portals,
    });
  });

  router.get('/data', noStore, session, signedIn, async (ctx) => {
    const data = await personalData(context, person(ctx));
    ctx.set('Content-Disposition', 'attachment; filename="my-data.json"');
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(data, null, 2);
  });
}

/**
 * A page problem as a page of its own: what happened, that nothing changed, and the ways on: back to the page, and
 * to each portal (the person may have come from any of them). Programs get the error handler's JSON.
 */
function problemPages(options: AccountPageRouteOptions): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (!isAccountPageProblem(error) || ctx.accepts('html', 'json') !== 'html') throw error;
      ctx.status = error.status;
      renderPage(ctx, options.views, 'me-problem', {
        titleKey: error.titleKey,
        messageKey: error.messageKey,
        portals: options.context.portals,
      });
    }
  };
}

/** Back from upstream with a sign-in started by the page: open it, add the sign-in, or remove one. */
function callbackOf(options: AccountPageRouteOptions): AccountPageCallback {
  const showProblems = problemPages(options);
  const finish = finishCallback(options);
  return (ctx, step, identity) => showProblems(ctx, () => finish(ctx, step, identity));
}

function finishCallback(options: AccountPageRouteOptions): AccountPageCallback {
  const { context } = options;
  return async (ctx, step, identity) => {
    if (step.action === 'open') {
      const known = await context.directory.findIdentity(identity.issuer, identity.subject);
      if (!known) throw new SignInNotLinked();
      const now = context.now();
      await recordSignIn(context.directory, known, identity, { clientId: null, at: now, signIns: context.activity });
      const id = await context.sessions.open({ personId: known.personId, identityId: known.id }, now);
      setPageCookie(ctx, id, context.sessions.ttlMs);
      ctx.status = 303;
      return ctx.redirect('/me');
    }
    const found = await context.sessions.findNamed(step.session);
    if (!found) throw new PageSignedOut();
    const who = { personId: found.personId, identityId: found.identityId, origin: originOf(ctx) };
    if (step.action === 'add') {
      const outcome = await addSignIn(context, who, identity);
      ctx.status = 303;
      return ctx.redirect(`/me?done=${outcome}`);
    }
    const { standOn } = await removeSignIn(context, who, step, identity);
    if (standOn !== found.identityId) await context.sessions.switchIdentity(step.session, standOn);
    ctx.status = 303;
    ctx.redirect('/me?done=removed');
  };
}
