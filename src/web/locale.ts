import type { Context, Middleware } from 'koa';
import { chooseLocale, type Translator } from '../i18n/translator.ts';

declare module 'koa' {
  interface DefaultState {
    /** Language of the pages of this request (`en`, `de`). */
    locale: string;
  }
}

/** Chooses the page language from the browser's Accept-Language; interaction routes refine it with `ui_locales`. */
export function localeFromRequest(translator: Translator): Middleware {
  return async (ctx, next) => {
    ctx.state.locale = localeFor(ctx, translator);
    await next();
  };
}

export function localeFor(ctx: Pick<Context, 'acceptsLanguages'>, translator: Translator, uiLocales?: unknown): string {
  return chooseLocale(translator.locales, typeof uiLocales === 'string' ? uiLocales : undefined, (available) =>
    ctx.acceptsLanguages(available),
  );
}
