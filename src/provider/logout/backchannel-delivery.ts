import type Provider from 'oidc-provider';
import '../oidc-provider-client.ts';
import type { Logger } from '../../log/logger.ts';

/** Pauses before the second, third and fourth attempt: a portal restarting is back within a minute. */
export const BACKCHANNEL_RETRY_DELAYS_MS = [2_000, 10_000, 60_000] as const;
/** One attempt may take this long; oidc-provider's default HTTP timeout is longer than a person waits. */
const ATTEMPT_TIMEOUT_MS = 5_000;

export interface BackchannelDeliveryOptions {
  logger: Logger;
  retryDelaysMs?: readonly number[];
  attemptTimeoutMs?: number;
}

/**
 * Makes oidc-provider's back-channel logout run in the background, with retries. oidc-provider calls
 * `client.backchannelLogout(sub, sid)` for every portal of the ending session and awaits them all before it answers
 * the person (actions/end_session.js), so one portal that is down or slow holds the signed-out page up. Here the
 * call only starts the delivery and returns; each attempt signs a fresh logout token (new `jti` and `iat`).
 *
 * Deliveries live in this process: a broker stopped within the retry window (about a minute) drops the attempts
 * still due. Back-channel logout is a best-effort signal in the specification too (2.8: the OP "SHOULD" retry).
 */
export function deliverBackchannelLogoutInBackground(
  provider: Pick<Provider, 'Client'>,
  {
    logger,
    retryDelaysMs = BACKCHANNEL_RETRY_DELAYS_MS,
    attemptTimeoutMs = ATTEMPT_TIMEOUT_MS,
  }: BackchannelDeliveryOptions,
): void {
  const prototype = provider.Client.prototype;
  const send = prototype.backchannelLogout;

  async function attempt(client: { clientId: string }, sub: string, sid: string, number: number): Promise<void> {
    try {
      await Promise.race([
        send.call(client, sub, sid),
        new Promise((_resolve, reject) =>
          setTimeout(() => reject(new Error(`no answer within ${attemptTimeoutMs} ms`)), attemptTimeoutMs).unref(),
        ),
      ]);
      logger.info({ clientId: client.clientId, attempt: number }, 'back-channel logout delivered');
    } catch (error) {
      const delay = retryDelaysMs[number - 1];
      const reason = (error as Error).message;
      if (delay === undefined) {
        logger.error({ clientId: client.clientId, attempt: number, reason }, 'back-channel logout failed, giving up');
        return;
      }
      logger.warn(
        { clientId: client.clientId, attempt: number, reason, retryInMs: delay },
        'back-channel logout failed, will retry',
      );
      setTimeout(() => void attempt(client, sub, sid, number + 1), delay).unref();
    }
  }

  prototype.backchannelLogout = function backchannelLogoutInBackground(
    this: { clientId: string },
    sub: string,
    sid: string,
  ) {
    void attempt(this, sub, sid, 1);
    return Promise.resolve();
  };
}
