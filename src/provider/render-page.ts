import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * Renders a broker page in the request's language; passed in because pages belong to the http layer, which this
 * folder must not import.
 */
export type RenderPage = (ctx: KoaContextWithOIDC, page: string, data: Record<string, unknown>) => string;
