import Router from '@koa/router';
import type { Context } from 'koa';
import type { Federation } from '../../upstream/federation.ts';
import type { InteractionIdentityStore } from '../../upstream/interaction-identities.ts';
import type { UpstreamIdentity } from '../../upstream/upstream-client.ts';
import { noStore } from '../middleware/no-store.ts';
import { takeUpstreamStateCookie } from './upstream-state-cookie.ts';

/** Finishes an association confirmation (the linking routes provide it). */
export type ConfirmationCallback = (ctx: Context, reference: string, identity: UpstreamIdentity) => Promise<void>;

/**
 * `{issuer}/upstream/{id}/callback`, the redirect URI registered at every upstream. It finishes the upstream
 * login (state bound to this browser, code exchanged, ID token validated) and hands the identity to what the
 * login was for.
 */
export function upstreamCallbackRoutes(
  federation: Federation,
  identities: InteractionIdentityStore,
  onConfirmation?: ConfirmationCallback,
): Router {
  const router = new Router();
  router.get('/upstream/:upstreamId/callback', noStore, async (ctx) => {
    const callbackUrl = new URL(federation.client(ctx.params.upstreamId ?? '').callbackUrl);
    callbackUrl.search = ctx.querystring;
    const { transaction, identity } = await federation.finish(
      ctx.params.upstreamId ?? '',
      callbackUrl,
      takeUpstreamStateCookie(ctx),
    );
    if (transaction.purpose.kind === 'interaction') {
      await identities.save(transaction.purpose.interactionUid, identity);
      ctx.status = 303;
      ctx.redirect(`/interaction/${transaction.purpose.interactionUid}/continue`);
      return;
    }
    if (!onConfirmation) throw new Error('confirmation callback is not wired');
    await onConfirmation(ctx, transaction.purpose.reference, identity);
  });
  return router;
}
