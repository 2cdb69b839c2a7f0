import type { Middleware } from 'koa';
import { ServiceUnavailable } from '../../errors/broker-error.ts';
import { storeOutageOf, type StoreStatus } from '../../store/outage.ts';

function unreachable(stores: readonly StoreStatus[]): Error | undefined {
  const down = stores.filter((store) => !store.available()).map((store) => store.name);
  return down.length > 0 ? new Error(`${down.join(' and ')} unreachable`) : undefined;
}

/**
 * Every route needs MongoDB or Redis, and a route that meets a dead store tends to misread it ("this sign-in has
 * expired" when the interaction cannot be loaded). So: while a store is down, every request (oidc-provider's
 * included) is answered 503 "temporarily unavailable" before it starts; a request that fails because a store went
 * away under it, or that oidc-provider answered with a server_error meanwhile or because of a store, becomes the same
 * 503.
 */
export function unavailableDuringStoreOutage(
  stores: readonly StoreStatus[],
  exempt: (path: string) => boolean,
): Middleware {
  return async (ctx, next) => {
    if (exempt(ctx.path)) return next();
    const before = unreachable(stores);
    if (before) throw new ServiceUnavailable(before);
    try {
      await next();
    } catch (error) {
      if (storeOutageOf(error)) throw new ServiceUnavailable(error);
      // A refusal made while a store is down ("expired", "not found") is most likely the outage misread.
      const during = unreachable(stores);
      if (during)
        throw new ServiceUnavailable(new Error(`${during.message}: ${(error as Error).message}`, { cause: error }));
      throw error;
    }
    if (ctx.status >= 500) {
      // On a Redis Cluster one shard can fail over while the client stays ready: the cause oidc-provider met (kept
      // by the broker's server_error listener) tells an outage from a bug.
      const cause: unknown = ctx.state.providerError;
      if (storeOutageOf(cause)) throw new ServiceUnavailable(cause);
      const during = unreachable(stores);
      if (during) throw new ServiceUnavailable(during);
    }
  };
}
