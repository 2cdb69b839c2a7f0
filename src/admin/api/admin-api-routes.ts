import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { AdminContext } from '../admin-context.ts';
import { AdminUnauthenticated } from '../admin-errors.ts';
import type { AdminRole } from '../admin-roles.ts';
import type { AccessTokenLookup } from './access-tokens.ts';
import { ADMIN_OPERATIONS, type AdminOperation } from './admin-operations.ts';
import { adminApiErrors } from './api-errors.ts';
import { bearerAuthentication } from './bearer-authentication.ts';
import { runOperation } from './run-operation.ts';
import { ADMIN_API_PREFIX, openApiDocument } from './openapi.ts';

export interface AdminApiOptions {
  context: AdminContext;
  tokens: AccessTokenLookup;
  /** `admin.clients`: the role of each client allowed to call. */
  clients: ReadonlyArray<{ clientId: string; role: AdminRole }>;
  issuer: string;
}

/** `/accounts/{accountId}` as koa-router writes it. */
const routerPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

function handler(context: AdminContext, op: AdminOperation): Middleware {
  return async (ctx: Context) => {
    const actor = ctx.state.adminActor;
    if (!actor) throw new AdminUnauthenticated();
    const result = await runOperation(context, op, actor, {
      params: ctx.params as Record<string, string>,
      query: ctx.query,
      body: (ctx.request.body ?? {}) as Record<string, unknown>,
    });
    ctx.status = op.status;
    if (op.status !== 204) ctx.body = result;
  };
}

/**
 * The admin API (JSON) at /admin/api/v1: the operation table as routes, each behind the bearer token check; the
 * OpenAPI document is public (it holds no data).
 */
export function adminApiRoutes(options: AdminApiOptions): Router {
  const router = new Router({ prefix: ADMIN_API_PREFIX });
  const roles = new Map(options.clients.map((c) => [c.clientId, c.role]));
  const document = openApiDocument(ADMIN_OPERATIONS, options.issuer);
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  }, adminApiErrors);
  router.get('/openapi.json', (ctx) => {
    ctx.body = document;
  });
  const authenticated = bearerAuthentication(options.tokens, roles);
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '64kb' });
  for (const op of ADMIN_OPERATIONS) {
    router[op.method](routerPath(op.path), authenticated, json, handler(options.context, op));
  }
  return router;
}
