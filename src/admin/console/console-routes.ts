import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AUDIT_EVENT_TYPES } from '../../audit/audit-event-types.ts';
import { formBody } from '../../web/form-body.ts';
import { csrfProtection } from '../../web/csrf.ts';
import { noStore } from '../../web/no-store.ts';
import { renderPage } from '../../web/render-page.ts';
import type { ViewRenderer } from '../../web/views.ts';
import type { Federation } from '../../upstream/federation.ts';
import { UpstreamDenied } from '../../upstream/upstream-errors.ts';
import { recordAdminChange } from '../admin-audit.ts';
import type { AdminContext } from '../admin-context.ts';
import { AdminError } from '../admin-errors.ts';
import { roleAllows, type AdminRole } from '../admin-roles.ts';
import { operationNamed, runOperation, type OperationInput } from '../api/run-operation.ts';
import { actorOf, setStaffCookie, staffSession, takeStaffCookie } from './console-session.ts';
import { auditFilter, pageOnly, peopleSearch, supportRequestsFilter } from './console-filters.ts';
import { CONSOLE_ACTIONS, CONSOLE_READS } from './console-operations.ts';
import { consoleSignInState, startConsoleSignIn, takeConsoleSignIn } from './console-sign-in.ts';
import type { StaffAccess, StaffMember } from './staff-access.ts';
import type { StaffSessions } from './staff-sessions.ts';

export interface ConsoleOptions {
  context: AdminContext;
  /** A federation holding the console upstream only, calling back to /admin/callback. */
  federation: Federation;
  upstreamId: string;
  access: StaffAccess;
  sessions: StaffSessions;
  views: ViewRenderer;
  /** views/admin/console.css, read once. */
  stylesheet: string;
  /** The customer upstreams, for linking a sign-in on a person's behalf. */
  customerUpstreams: ReadonlyArray<{ id: string; name: string }>;
}

/** Only paths of the console itself are places to return to after signing in or after an action. */
export function consolePath(value: unknown, fallback = '/admin'): string {
  return typeof value === 'string' &&
    /^\/admin(\/[\w\-/]*)?(\?[\w\-=&%.+@*]*)?$/.test(value) &&
    !value.startsWith('/admin/api')
    ? value
    : fallback;
}

const FORM_FIELDS_NOT_BODY = new Set(['_csrf', 'return']);

/** What the support requests page says when a status has no requests (and no other filter narrowed it). */
const NOTHING_IN = { open: 'none', resolved: 'noneResolved', any: 'noneMatch' } as const;

/** The overview counts from one page of each list: this many, and "100+" when the list goes on. */
const OVERVIEW_PAGE = 100;
const countOf = (page: { next: string | null }, items: readonly unknown[]) =>
  page.next === null ? String(items.length) : `${items.length}+`;

/** Which of the console's actions a role may run, by the operation table's own role check (for templates). */
function actionsAllowed(role: AdminRole): Record<string, boolean> {
  return Object.fromEntries([...CONSOLE_ACTIONS].map((op) => [op, roleAllows(role, operationNamed(op).role)]));
}

/**
 * The support console at /admin: server-rendered pages over the admin operations (console-operations.ts lists the
 * ones it uses), for staff signed in through the company's own upstream. Every page and action needs a console
 * session; every action is a form with a CSRF token, runs through the same operation table and role check as the
 * API, and answers with a redirect back to the page it came from (POST-redirect-GET).
 */
export function consoleRoutes(options: ConsoleOptions): Router {
  const router = new Router({ prefix: '/admin' });
  const kit = consoleKit(options);
  router.use(kit.problems);
  signInRoutes(router, options, kit);
  pageRoutes(router, options, kit);
  listRoutes(router, kit);
  actionRoutes(router, options, kit);
  return router;
}

type ConsoleKit = ReturnType<typeof consoleKit>;

/** What every console route uses: the session, form and CSRF middleware, the page renderer, reads, problems. */
function consoleKit(options: ConsoleOptions) {
  const { context, views } = options;
  const form = bodyParser({ enableTypes: ['form'], formLimit: '32kb' });
  // Console pages hold customer data: never cached, anywhere.
  const session = [noStore, staffSession(options.sessions, options.access)];
  const csrf = csrfProtection();

  const render = (ctx: Context, page: string, data: Record<string, unknown> = {}) => {
    const staff = ctx.state.staff;
    renderPage(ctx, views, page, {
      // `may.<operationId>`: offer a form only to staff whose role the operation allows (the POST checks it again).
      ...(staff ? { staff, isAdmin: roleAllows(staff.role, 'admin'), may: actionsAllowed(staff.role) } : {}),
      done:
        typeof ctx.query.done === 'string' && CONSOLE_ACTIONS.has(ctx.query.done)
          ? `console.done.${ctx.query.done}`
          : undefined,
      here: ctx.originalUrl,
      // Lookups the templates use to choose what to offer (Handlebars has no comparisons).
      resendable: { pending: true, expired: true },
      isActive: { active: true },
      isOpen: { open: true },
      hiddenDetail: { actor: true, role: true },
      ...data,
    });
  };

  /** The page for someone without a console session: sign in (never the page they asked for). */
  const requireStaff = async (ctx: Context, next: () => Promise<unknown>) => {
    if (ctx.state.staff) return next();
    ctx.status = 401;
    render(ctx, 'sign-in', {
      titleKey: 'console.signIn.title',
      loginUrl: `/admin/login?return=${encodeURIComponent(consolePath(ctx.originalUrl))}`,
    });
  };

  const read = (ctx: Context, operationId: string, input: OperationInput) => {
    if (!CONSOLE_READS.has(operationId)) throw new Error(`the console does not list the read ${operationId}`);
    return runOperation(context, operationNamed(operationId), actorOf(ctx, ctx.state.staff as StaffMember), input);
  };

  // A read that finds nothing (an old link to a removed account) is a console page too, not the customer error page.
  const problems = async (ctx: Context, next: () => Promise<unknown>) => {
    try {
      await next();
    } catch (error) {
      if (!(error instanceof AdminError)) throw error;
      ctx.status = error.status;
      render(ctx, 'problem', { titleKey: 'console.problem.title', detail: error.message, back: '/admin' });
    }
  };
  return { form, session, csrf, render, requireStaff, read, problems };
}

/** The stylesheet, and signing in and out through the company's own upstream. */
function signInRoutes(router: Router, options: ConsoleOptions, kit: ConsoleKit): void {
  const { context } = options;
  const { form, session, csrf, render } = kit;
  router.get('/console.css', (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = options.stylesheet;
  });

  router.get('/login', noStore, async (ctx) => {
    const started = await startConsoleSignIn(options.federation, options.upstreamId, consolePath(ctx.query.return));
    consoleSignInState.set(ctx, started.state);
    ctx.status = 303;
    ctx.redirect(started.url.href);
  });

  router.get('/callback', noStore, async (ctx) => {
    let finished;
    try {
      finished = await takeConsoleSignIn(
        options.federation,
        options.upstreamId,
        new URLSearchParams(ctx.querystring),
        consoleSignInState.take(ctx),
      );
    } catch (error) {
      if (!(error instanceof UpstreamDenied)) throw error;
      ctx.status = 401;
      return render(ctx, 'sign-in', { titleKey: 'console.signIn.title', cancelled: true, loginUrl: '/admin/login' });
    }
    const { identity, returnTo } = finished;
    const member = options.access.memberFor(identity);
    const who = { upstreamId: identity.upstreamId, subject: identity.subject };
    if (!member) {
      await context.audit.record({ type: 'admin.console-refused', ...who, ip: ctx.ip, accountId: null });
      ctx.status = 403;
      return render(ctx, 'not-staff', {
        titleKey: 'console.notStaff.title',
        signInName: identity.email ?? identity.name ?? identity.subject,
        loginUrl: '/admin/login',
      });
    }
    await recordAdminChange(context, actorOf(ctx, member), { type: 'admin.console-signed-in', ...who });
    setStaffCookie(ctx, await options.sessions.open(member), options.sessions.ttlMs);
    ctx.status = 303;
    ctx.redirect(returnTo);
  });

  router.post('/logout', ...session, form, csrf, async (ctx) => {
    const id = takeStaffCookie(ctx);
    if (id) await options.sessions.end(id);
    delete ctx.state.staff;
    render(ctx, 'signed-out', { titleKey: 'console.signedOut.title' });
  });
}

/** The pages: overview, search (accounts and people), an account, a person. */
function pageRoutes(router: Router, options: ConsoleOptions, kit: ConsoleKit): void {
  const { session, csrf, render, requireStaff, read } = kit;
  const upstreams = options.customerUpstreams;
  router.get('/', ...session, requireStaff, csrf, async (ctx) => {
    const page = { limit: String(OVERVIEW_PAGE) };
    const [requests, mail, webhooks] = (await Promise.all([
      read(ctx, 'listSupportRequests', { query: { status: 'open', ...page } }),
      read(ctx, 'listMailFailures', { query: page }),
      read(ctx, 'listWebhookFailures', { query: page }),
    ])) as [
      { supportRequests: unknown[]; next: string | null },
      { messages: unknown[]; next: string | null },
      { deliveries: unknown[]; next: string | null },
    ];
    render(ctx, 'home', {
      titleKey: 'console.home.title',
      openRequests: countOf(requests, requests.supportRequests),
      failedMail: countOf(mail, mail.messages),
      failedWebhooks: countOf(webhooks, webhooks.deliveries),
      upstreams,
    });
  });

  router.get('/search', ...session, requireStaff, csrf, async (ctx) => {
    const q = typeof ctx.query.q === 'string' ? ctx.query.q.trim().slice(0, 200) : '';
    const people = peopleSearch(
      ctx.query,
      upstreams.map((u) => u.id),
    );
    const [accounts, found] = (await Promise.all([
      q ? read(ctx, 'searchAccounts', { query: { q } }) : { accounts: [] },
      people.query ? read(ctx, 'searchPeople', { query: people.query }) : { people: [] },
    ])) as [{ accounts: unknown[] }, { people: unknown[] }];
    render(ctx, 'search', {
      titleKey: 'console.search.title',
      q,
      searched: q !== '',
      accounts: accounts.accounts,
      upstreams,
      person: people.form,
      selectedUpstream: people.form.upstreamId === undefined ? {} : { [people.form.upstreamId]: true },
      peopleSearched: people.query !== null,
      unclearSignIn: people.unclearSignIn,
      people: found.people,
    });
  });

  router.get('/accounts/:accountId', ...session, requireStaff, csrf, async (ctx) => {
    const detail = await read(ctx, 'getAccount', { params: { accountId: ctx.params.accountId ?? '' } });
    render(ctx, 'account', {
      titleKey: 'console.account.title',
      ...(detail as object),
      upstreams: options.customerUpstreams,
    });
  });

  router.get('/people/:personId', ...session, requireStaff, csrf, async (ctx) => {
    const person = (await read(ctx, 'getPerson', { params: { personId: ctx.params.personId ?? '' } })) as {
      signIns: Array<{ upstreamId: string; subject: string }>;
    };
    const signIns = await Promise.all(
      person.signIns.map(async (signIn) => ({
        ...signIn,
        associations: (
          (await read(ctx, 'listAssociations', {
            query: { upstreamId: signIn.upstreamId, subject: signIn.subject },
          })) as { associations: unknown[] }
        ).associations,
      })),
    );
    render(ctx, 'person', { titleKey: 'console.person.title', ...person, signIns });
  });
}

/** The lists a page at a time: support requests, failed e-mails, failed webhook deliveries, the audit trail. */
function listRoutes(router: Router, kit: ConsoleKit): void {
  const { session, csrf, render, requireStaff, read } = kit;
  router.get('/support-requests', ...session, requireStaff, csrf, async (ctx) => {
    const filter = supportRequestsFilter(ctx.query);
    const { supportRequests, next } = (await read(ctx, 'listSupportRequests', { query: filter.query })) as {
      supportRequests: Array<{ signIn: { upstreamId: string; subject: string } }>;
      next: string | null;
    };
    const requests = await Promise.all(
      supportRequests.map(async (request) => ({
        ...request,
        associations: ((await read(ctx, 'listAssociations', { query: request.signIn })) as { associations: unknown[] })
          .associations,
      })),
    );
    const { status, q, accountId, personId } = filter.form;
    const narrowed = q !== undefined || accountId !== undefined || personId !== undefined;
    render(ctx, 'support-requests', {
      titleKey: 'console.supportRequests.title',
      requests,
      filter: filter.form,
      selectedStatus: { [status]: true },
      noneKey: `console.supportRequests.${narrowed ? 'noneMatch' : NOTHING_IN[status]}`,
      nextPage: filter.pageAfter(next),
    });
  });

  router.get('/outbox', ...session, requireStaff, csrf, async (ctx) => {
    const list = pageOnly('/admin/outbox', ctx.query);
    const { messages, next } = (await read(ctx, 'listMailFailures', { query: list.query })) as {
      messages: unknown[];
      next: string | null;
    };
    render(ctx, 'outbox', { titleKey: 'console.outbox.title', messages, nextPage: list.pageAfter(next) });
  });

  router.get('/webhooks', ...session, requireStaff, csrf, async (ctx) => {
    const list = pageOnly('/admin/webhooks', ctx.query);
    const { deliveries, next } = (await read(ctx, 'listWebhookFailures', { query: list.query })) as {
      deliveries: unknown[];
      next: string | null;
    };
    render(ctx, 'webhooks', { titleKey: 'console.webhooks.title', deliveries, nextPage: list.pageAfter(next) });
  });

  router.get('/audit', ...session, requireStaff, csrf, async (ctx) => {
    const filter = auditFilter(ctx.query);
    const { events, next } = (await read(ctx, 'searchAudit', { query: filter.query })) as {
      events: unknown[];
      next: string | null;
    };
    render(ctx, 'audit', {
      titleKey: 'console.audit.title',
      events,
      filter: filter.form,
      types: AUDIT_EVENT_TYPES,
      selectedType: Object.fromEntries((filter.form.type ?? []).map((type) => [type, true])),
      nextPage: filter.pageAfter(next),
    });
  });
}

/** Every change is a form posted to one route, run through the operation table and its role check. */
function actionRoutes(router: Router, options: ConsoleOptions, kit: ConsoleKit): void {
  const { context } = options;
  const { form, session, csrf, render, requireStaff } = kit;
  router.post('/actions/:operationId', ...session, requireStaff, form, csrf, async (ctx) => {
    const operationId = ctx.params.operationId ?? '';
    const back = consolePath(formBody(ctx).return);
    if (!CONSOLE_ACTIONS.has(operationId)) {
      ctx.status = 404;
      return render(ctx, 'problem', { titleKey: 'console.problem.title', detail: 'unknown action', back });
    }
    const op = operationNamed(operationId);
    // Path parameters and body fields arrive as form fields of the same names; empty fields mean "not given".
    const params: Record<string, string> = {};
    const body: Record<string, unknown> = { locale: ctx.state.locale };
    for (const [name, value] of Object.entries(formBody(ctx))) {
      if (FORM_FIELDS_NOT_BODY.has(name) || typeof value !== 'string' || value === '') continue;
      if (op.path.includes(`{${name}}`)) params[name] = value;
      else body[name] = value;
    }
    try {
      await runOperation(context, op, actorOf(ctx, ctx.state.staff as StaffMember), { params, body });
    } catch (error) {
      if (!(error instanceof AdminError) && !(error instanceof z.ZodError)) throw error;
      ctx.status = error instanceof AdminError ? error.status : 400;
      const detail =
        error instanceof AdminError
          ? error.message
          : error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      return render(ctx, 'problem', { titleKey: 'console.problem.title', detail, back });
    }
    const page = back.replace(/[?&]done=\w*/, '');
    ctx.status = 303;
    ctx.redirect(`${page}${page.includes('?') ? '&' : '?'}done=${operationId}`);
  });
}
