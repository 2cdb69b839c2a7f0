import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Router from '@koa/router';

/** Serves the one stylesheet from memory: no CDN, no file-system lookups per request. */
export function assetRoutes(viewsDir: string): Router {
  const css = readFileSync(join(viewsDir, 'assets/broker.css'));
  const router = new Router();
  router.get('/assets/broker.css', (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = css;
  });
  return router;
}
