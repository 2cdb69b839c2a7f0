import * as oidc from 'openid-client';
import type { UpstreamConfig } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import type { Redis } from '../store/redis.ts';
import { LoginTransactionStore, type LoginTransaction } from './login-transactions.ts';
import { UpstreamClient, type UpstreamFailureCounter } from './upstream-client.ts';
import type { UpstreamIdentity } from './upstream-identity.ts';
import { LoginTransactionInvalid, UnknownUpstream, UpstreamDenied } from './upstream-errors.ts';
import { constantEquals } from '../security/constant-equals.ts';

export interface StartLogin {
  upstreamId: string;
  purpose: LoginTransaction['purpose'];
  /** The portal the person came from (for the way back if the login fails). */
  clientId: string | null;
  /**
   * A fresh authentication the login must prove: `0` for "after now" (association confirmation, a portal's
   * prompt=login), N for a portal's max_age=N. Unset for an ordinary sign-in, which the upstream may answer
   * silently from its own session.
   */
  maxAge?: number;
}

export interface StartedLogin {
  url: URL;
  /** Bind this to the browser (cookie): the callback must come back to the browser that started the login. */
  state: string;
}

export interface FinishedLogin {
  transaction: LoginTransaction;
  identity: UpstreamIdentity;
}

export interface FederationOptions {
  brokerIssuer: string;
  redis: Redis;
  logger: Logger;
  /** Counts upstream failures by upstream and cause (metrics). */
  failures?: UpstreamFailureCounter;
  /** Where the upstream sends the browser back; the customer sign-in's `/upstream/{id}/callback` by default. */
  callbackUrl?: (upstreamId: string) => string;
}

/** Signing in at the configured upstream identity providers: start a login, finish it at the callback. */
export class Federation {
  readonly #clients: Map<string, UpstreamClient>;
  readonly #transactions: LoginTransactionStore;

  constructor(upstreams: readonly UpstreamConfig[], options: FederationOptions) {
    this.#clients = new Map(
      upstreams.map((u) => [
        u.id,
        new UpstreamClient(
          u,
          options.callbackUrl?.(u.id) ?? `${options.brokerIssuer}/upstream/${u.id}/callback`,
          options.logger,
          options.failures,
        ),
      ]),
    );
    this.#transactions = new LoginTransactionStore(options.redis);
  }

  list(): Array<{ id: string; name: string }> {
    return [...this.#clients.values()].map(({ id, name }) => ({ id, name }));
  }

  client(upstreamId: string): UpstreamClient {
    const client = this.#clients.get(upstreamId);
    if (!client) throw new UnknownUpstream();
    return client;
  }

  async start({ upstreamId, purpose, clientId, maxAge }: StartLogin): Promise<StartedLogin> {
    const client = this.client(upstreamId);
    const transaction: LoginTransaction = {
      upstreamId,
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
      clientId,
      purpose,
      ...(maxAge !== undefined ? { freshness: { requestedAt: Math.floor(Date.now() / 1000), maxAge } } : {}),
    };
    // Build the URL first: an unreachable upstream then leaves no transaction behind.
    const url = await client.authorizationUrl(transaction);
    await this.#transactions.save(transaction);
    return { url, state: transaction.state };
  }

  /**
   * The login transaction a callback belongs to, consumed before anything else so that the same callback can
   * never be used twice, whatever its outcome. `browserState` is the state this browser was given when the login
   * started; a callback carrying another state (login CSRF) is refused.
   */
  async take(
    upstreamId: string,
    parameters: URLSearchParams,
    browserState: string | undefined,
  ): Promise<LoginTransaction> {
    this.client(upstreamId);
    const state = parameters.get('state');
    if (!state || !browserState || !constantEquals(state, browserState)) throw new LoginTransactionInvalid();
    const transaction = await this.#transactions.consume(state);
    if (!transaction || transaction.upstreamId !== upstreamId) throw new LoginTransactionInvalid();
    return transaction;
  }

  /** Finishes a taken login: the upstream's error, or the code exchanged and the ID token validated. */
  async complete(transaction: LoginTransaction, parameters: URLSearchParams): Promise<FinishedLogin> {
    const client = this.client(transaction.upstreamId);
    if (parameters.has('error')) throw new UpstreamDenied(client.name);
    const callbackUrl = new URL(client.callbackUrl);
    for (const [name, value] of parameters) if (name !== 'user') callbackUrl.searchParams.append(name, value);
    const identity = await client.exchange(callbackUrl, transaction, parameters.get('user') ?? undefined);
    return { transaction, identity };
  }
}
