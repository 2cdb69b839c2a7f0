import type { Context } from 'koa';
import type { ViewRenderer } from './views.ts';

/** Answers with a broker page in the request's language; forms on it get this request's CSRF token. */
export function renderPage(ctx: Context, views: ViewRenderer, page: string, data: Record<string, unknown> = {}): void {
  ctx.type = 'html';
  ctx.body = views.render(page, {
    ...(ctx.state.csrfToken ? { csrfToken: ctx.state.csrfToken() } : {}),
    ...data,
    locale: ctx.state.locale,
  });
}
