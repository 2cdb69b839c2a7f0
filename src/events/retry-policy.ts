import type { SendResult } from './webhook-sender.ts';

/** How long the broker keeps trying one delivery. */
export interface RetryPolicy {
  /** Tries before a delivery is failed (per round: a replay gets as many again). */
  readonly maxAttempts: number;
  /** Wait before the second try; doubled after each further failure, up to maxDelayMs. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** A receiver's Retry-After is honoured up to this long; a longer one is cut to it. */
  readonly maxRetryAfterMs: number;
  /** 0 ≤ x < 1; each wait is lengthened by up to a tenth, so receivers that failed together are not retried together. */
  readonly jitter: () => number;
}

/**
 * 14 tries over about a day and a half (30 s, 1 m, 2 m, … doubling to 8 h between tries), as Standard Webhooks
 * recommends a schedule "spanning multiple days": a receiver down for a night loses nothing, and a failed delivery
 * can still be replayed after that.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 14,
  initialDelayMs: 30_000,
  maxDelayMs: 8 * 3_600_000,
  maxRetryAfterMs: 3_600_000,
  jitter: Math.random,
};

/**
 * Metrics and logs: `delivered`; `retry` (will try again); `failed` (tries used up); `rejected` (the receiver
 * refused it for good, or it may not be sent there).
 */
export type AttemptOutcomeLabel = 'delivered' | 'retry' | 'failed' | 'rejected';

export interface AttemptDecision {
  readonly outcome: AttemptOutcomeLabel;
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: Date;
}

/** Whether an answer says "later" rather than "no" (RFC 9110: 408, 429 and every 5xx may succeed on a repeat). */
function isTransient(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function describe(result: SendResult): string | null {
  switch (result.kind) {
    case 'answered':
      return `the endpoint answered HTTP ${result.status}`;
    case 'refused':
      return `not sent: ${result.reason} (allowPrivateNetwork is off)`;
    case 'timeout':
      return 'the endpoint did not answer in time';
    case 'unreachable':
      return `the endpoint could not be reached: ${result.reason}`;
  }
}

/**
 * Decides what a try's result means for its delivery. 2xx: delivered. 408, 429, 5xx, a timeout or no connection:
 * try again with exponential back-off, never sooner than a 429's or 503's Retry-After (bounded), until the tries are
 * used up. Any other answer (a 3xx, since redirects are not followed, or a 4xx such as 410 Gone) and a refused
 * private address: failed at once with the answer's status, since repeating the same request cannot change it.
 *
 * `attempts` counts the tries of this round including this one; back-off counts from `triedAt`, Retry-After from
 * `answeredAt`.
 */
export function decideAttempt(
  result: SendResult,
  attempts: number,
  triedAt: Date,
  answeredAt: Date,
  policy: RetryPolicy,
): AttemptDecision {
  const lastStatus = result.kind === 'answered' ? result.status : null;
  if (result.kind === 'answered' && result.status >= 200 && result.status < 300) {
    return { outcome: 'delivered', status: 'delivered', lastStatus, lastError: null, nextAttemptAt: answeredAt };
  }
  const lastError = describe(result);
  const transient = result.kind === 'answered' ? isTransient(result.status) : result.kind !== 'refused';
  if (!transient) return { outcome: 'rejected', status: 'failed', lastStatus, lastError, nextAttemptAt: answeredAt };
  if (attempts >= policy.maxAttempts) {
    return { outcome: 'failed', status: 'failed', lastStatus, lastError, nextAttemptAt: answeredAt };
  }
  const backoff = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempts - 1));
  const jittered = backoff * (1 + policy.jitter() / 10);
  const asked =
    result.kind === 'answered' && (result.status === 429 || result.status === 503) && result.retryAfterMs !== undefined
      ? Math.min(result.retryAfterMs, policy.maxRetryAfterMs)
      : 0;
  const next = Math.max(triedAt.getTime() + jittered, answeredAt.getTime() + asked);
  return { outcome: 'retry', status: 'pending', lastStatus, lastError, nextAttemptAt: new Date(next) };
}
