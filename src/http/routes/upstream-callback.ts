import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import type { PortalDirectory } from '../../config/portal-directory.ts';
import type { Federation } from '../../upstream/federation.ts';
import type { InteractionIdentityStore } from '../../upstream/interaction-identities.ts';
import type { PostedCallbacks } from '../../upstream/posted-callbacks.ts';
import type { AccountPageStep } from '../../upstream/login-transactions.ts';
import type { UpstreamIdentity } from '../../upstream/upstream-identity.ts';
import type { SignInFinisher } from './linked-sign-in.ts';
import { LoginTransactionInvalid, UpstreamDenied } from '../../upstream/upstream-errors.ts';
import { formBody } from '../../web/form-body.ts';
import { noStore } from '../../web/no-store.ts';
import { takeUpstreamStateCookie } from './upstream-state-cookie.ts';

/** Finishes an association confirmation (the linking routes provide it). */
export type ConfirmationCallback = (ctx: Context, reference: string, identity: UpstreamIdentity) => Promise<void>;

/** Finishes a sign-in for the person's own page (the /me routes provide it). */
export type AccountPageCallback = (ctx: Context, step: AccountPageStep, identity: UpstreamIdentity) => Promise<void>;

export interface UpstreamCallbackDependencies {
  federation: Federation;
  identities: InteractionIdentityStore;
  postedCallbacks: PostedCallbacks;
  portals: PortalDirectory;
  onConfirmation: ConfirmationCallback;
  onAccountPage?: AccountPageCallback;
  /** Batches the Redis writes of a callback into one MULTI (request-writes.ts). */
  batchWrites?: Middleware;
  /** Finishes a portal sign-in right here when nothing is left to ask (linked-sign-in.ts). */
  onSignIn?: SignInFinisher;
}

/**
 * `{issuer}/upstream/{id}/callback`, the redirect URI registered at every upstream. It finishes the upstream
 * login (state bound to this browser, code exchanged, ID token validated) and hands the identity to what the
 * login was for. Providers that answer with `response_mode=form_post` POST here first (see posted-callbacks.ts).
 */
export function upstreamCallbackRoutes(deps: UpstreamCallbackDependencies): Router {
  const { federation } = deps;
  const router = new Router({ prefix: '/upstream/:upstreamId/callback' });
  if (deps.batchWrites) router.use(deps.batchWrites);

  async function finish(ctx: Context, upstreamId: string, parameters: URLSearchParams): Promise<void> {
    const transaction = await federation.take(upstreamId, parameters, takeUpstreamStateCookie(ctx));
    // From here on, a failure page offers the way back to the portal the person came from.
    ctx.state.portal = deps.portals.get(transaction.clientId);
    const purpose = transaction.purpose;
    let identity: UpstreamIdentity;
    try {
      ({ identity } = await federation.complete(transaction, parameters));
    } catch (error) {
      // Cancelled or refused upstream while signing in to a portal: the portal's sign-in ends with the OpenID
      // error (Core 3.1.2.6) rather than leaving the person on a page the portal never learns about.
      if (error instanceof UpstreamDenied && purpose.kind === 'interaction') {
        ctx.status = 303;
        return ctx.redirect(`/interaction/${purpose.interactionUid}/upstream-denied`);
      }
      // Cancelled while proving a sign-in for the person's own page: back there, nothing changed.
      if (error instanceof UpstreamDenied && purpose.kind === 'me') {
        ctx.status = 303;
        return ctx.redirect('/me?done=cancelled');
      }
      throw error;
    }
    if (transaction.purpose.kind === 'interaction') {
      if (await deps.onSignIn?.(ctx, transaction.purpose.interactionUid, identity)) return;
      await deps.identities.save(transaction.purpose.interactionUid, identity);
      ctx.status = 303;
      ctx.redirect(`/interaction/${transaction.purpose.interactionUid}/continue`);
      return;
    }
    if (transaction.purpose.kind === 'me' && deps.onAccountPage) {
      return deps.onAccountPage(ctx, transaction.purpose.step, identity);
    }
    // A console sign-in finishes at /admin/callback only (its own cookie and client); never here.
    if (transaction.purpose.kind !== 'confirmation') throw new LoginTransactionInvalid();
    await deps.onConfirmation(ctx, transaction.purpose.reference, identity);
  }

  router.get('/', noStore, async (ctx) => {
    const upstreamId = ctx.params.upstreamId ?? '';
    federation.client(upstreamId);
    const resume = ctx.query.resume;
    if (typeof resume !== 'string') return finish(ctx, upstreamId, new URLSearchParams(ctx.querystring));
    const posted = await deps.postedCallbacks.take(resume);
    if (!posted) throw new LoginTransactionInvalid();
    await finish(ctx, upstreamId, new URLSearchParams(posted));
  });

  router.post('/', noStore, bodyParser({ enableTypes: ['form'], formLimit: '16kb' }), async (ctx) => {
    const upstreamId = ctx.params.upstreamId ?? '';
    federation.client(upstreamId);
    const key = await deps.postedCallbacks.keep(formBody(ctx));
    ctx.status = 303;
    ctx.redirect(`/upstream/${encodeURIComponent(upstreamId)}/callback?resume=${key}`);
  });

  return router;
}
