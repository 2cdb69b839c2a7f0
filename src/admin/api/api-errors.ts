import type { Middleware } from 'koa';
import { z } from 'zod';
import { AdminError } from '../admin-errors.ts';

/**
 * The admin API's answers to what it refuses: JSON `{error, message}` for the calling tool, with the RFC 6750
 * challenge on 401 and 403. Anything unexpected goes on to the broker's error handler (a generic 500, logged).
 */
export const adminApiErrors: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    if (error instanceof z.ZodError) {
      ctx.status = 400;
      ctx.body = {
        error: 'ADMIN.INVALID_REQUEST',
        message: error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
      };
      return;
    }
    if (!(error instanceof AdminError)) throw error;
    ctx.status = error.status;
    ctx.body = { error: error.code, message: error.message };
    if (error.status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="admin", error="invalid_token"');
    if (error.status === 403) ctx.set('WWW-Authenticate', 'Bearer realm="admin", error="insufficient_scope"');
  }
};
