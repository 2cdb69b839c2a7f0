import * as oidc from 'openid-client';
import type { UpstreamConfig } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import type { Redis } from '../store/redis.ts';
import { LoginTransactionStore, type LoginTransaction } from './login-transactions.ts';
import { UpstreamClient, type UpstreamIdentity } from './upstream-client.ts';
import { LoginTransactionInvalid, UnknownUpstream, UpstreamDenied } from './upstream-errors.ts';
import { constantEquals } from '../security/constant-equals.ts';

export interface StartLogin {
  upstreamId: string;
  purpose: LoginTransaction['purpose'];
  /** Force a fresh authentication upstream (`prompt=login`, `max_age=0`), as association confirmation requires. */
  reauthenticate?: boolean;
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

/** Signing in at the configured upstream identity providers: start a login, finish it at the callback. */
export class Federation {
  readonly #clients: Map<string, UpstreamClient>;
  readonly #transactions: LoginTransactionStore;

  constructor(upstreams: readonly UpstreamConfig[], brokerIssuer: string, redis: Redis, logger: Logger) {
    this.#clients = new Map(
      upstreams.map((u) => [u.id, new UpstreamClient(u, `${brokerIssuer}/upstream/${u.id}/callback`, logger)]),
    );
    this.#transactions = new LoginTransactionStore(redis);
  }

  list(): Array<{ id: string; name: string }> {
    return [...this.#clients.values()].map(({ id, name }) => ({ id, name }));
  }

  client(upstreamId: string): UpstreamClient {
    const client = this.#clients.get(upstreamId);
    if (!client) throw new UnknownUpstream();
    return client;
  }

  async start({ upstreamId, purpose, reauthenticate = false }: StartLogin): Promise<StartedLogin> {
    const client = this.client(upstreamId);
    const transaction: LoginTransaction = {
      upstreamId,
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
      purpose,
      ...(reauthenticate ? { prompt: 'login', maxAge: 0 } : {}),
    };
    // Build the URL first: an unreachable upstream then leaves no transaction behind.
    const url = await client.authorizationUrl(transaction);
    await this.#transactions.save(transaction);
    return { url, state: transaction.state };
  }

  /**
   * Finishes a login at `{issuer}/upstream/{id}/callback`. The transaction is consumed before anything else, so
   * the same callback can never be used twice, whatever its outcome. `browserState` is the state this browser
   * was given when the login started; a callback carrying another state (login CSRF) is refused.
   */
  async finish(upstreamId: string, callbackUrl: URL, browserState: string | undefined): Promise<FinishedLogin> {
    const client = this.client(upstreamId);
    const state = callbackUrl.searchParams.get('state');
    if (!state || !browserState || !constantEquals(state, browserState)) throw new LoginTransactionInvalid();
    const transaction = await this.#transactions.consume(state);
    if (!transaction || transaction.upstreamId !== upstreamId) throw new LoginTransactionInvalid();
    if (callbackUrl.searchParams.has('error')) throw new UpstreamDenied(client.name);
    const identity = await client.exchange(callbackUrl, transaction);
    return { transaction, identity };
  }
}
