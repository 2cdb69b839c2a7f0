import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Router from '@koa/router';

/**
 * Serves the one stylesheet from memory: no CDN, no file-system lookups per request. The brand colour is part of
 * it (a custom property), because the CSP allows styles from the broker's own stylesheet only, never inline.
 */
export function assetRoutes(viewsDir: string, primaryColor?: string): Router {
  const brand =
    primaryColor && /^#[0-9a-fA-F]{6}$/.test(primaryColor) ? `\n:root { --accent: ${primaryColor}; }\n` : '';
  const css = Buffer.concat([readFileSync(join(viewsDir, 'assets/broker.css')), Buffer.from(brand)]);
  const router = new Router();
  router.get('/assets/broker.css', (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = css;
  });
  return router;
}
