import { passOverDue, type PassClock as Clock } from '../store/due-pass.ts';
import { RepeatingPass, workerIdentity } from '../store/repeating-pass.ts';
import type { Logger } from '../log/logger.ts';
import { inSpan } from '../tracing/spans.ts';
import { decideAttempt, type AttemptDecision, type AttemptOutcomeLabel, type RetryPolicy } from './retry-policy.ts';
import type { DeliveryTry, WebhookDelivery, WebhookDeliveryStore } from './webhook-deliveries.ts';
import { loggableUrl, type WebhookEndpoint, type WebhookEndpoints } from './webhook-endpoints.ts';
import type { SendWebhook } from './webhook-sender.ts';

/**
 * How long a claim protects a try without renewal. The worker renews it every third of that while the request is
 * in flight, so only a worker that died or hung loses it; its delivery is then taken over about this long after.
 */
export const DELIVERY_CLAIM_LEASE_MS = 10_000;

export interface DeliveryWorkerOptions {
  store: WebhookDeliveryStore;
  endpoints: WebhookEndpoints;
  send: SendWebhook;
  logger: Logger;
  policy: RetryPolicy;
  /** Per try: the receiver must have answered (status line and headers) by then. */
  timeoutMs: number;
  pollIntervalMs: number;
  /** Tries in flight at once within a pass, so that one endpoint timing out does not hold up the others. */
  concurrency: number;
  /** Counts tries by event type and outcome (delivered, retry, failed, rejected). */
  attemptsCounter?: { inc(labels: { type: string; outcome: string }): void };
  /** Written into each claim, to tell later which process made a try. */
  workerId?: string;
  leaseMs?: number;
  /** The `webhook-timestamp` of a try: the real time of sending, which receivers compare with their own clock. */
  wallClock?: () => Date;
}

const ABANDONED =
  'the worker making this try stopped before recording its outcome (claim lease expired); it may have been delivered';
const REMOVED = 'not sent: its endpoint is no longer in the configuration (webhooks[].url)';

/**
 * Delivers the pending webhook deliveries. Any number of workers (one per broker process) may run against one
 * database: each try of each delivery is made only by the worker whose claim insert won. Logs name the delivery,
 * its type, try and outcome, never the body, a header or the secret.
 */
export class WebhookDeliveryWorker {
  readonly #options: DeliveryWorkerOptions;
  readonly #workerId: string;
  readonly #logger: Logger;
  readonly #leaseMs: number;
  readonly #passes: RepeatingPass;

  constructor(options: DeliveryWorkerOptions) {
    this.#options = options;
    this.#workerId = options.workerId ?? workerIdentity();
    this.#logger = options.logger.child({ component: 'webhook-worker' });
    this.#passes = new RepeatingPass(() => this.runOnce(), {
      intervalMs: options.pollIntervalMs,
      logger: this.#logger,
      failure: 'webhook pass failed',
    });
    this.#leaseMs = options.leaseMs ?? DELIVERY_CLAIM_LEASE_MS;
  }

  /** Polls every `pollIntervalMs`, starting now. A failing pass is logged and the next one runs as planned. */
  start(): void {
    this.#passes.start();
  }

  /** Stops polling and waits for the pass in progress, so no claimed attempt is left without its outcome. */
  stop(): Promise<void> {
    return this.#passes.stop();
  }

  /**
   * One pass: claims and makes every due try (within a minute); resolves with how many were delivered. `now` is the
   * pass's start (tests inject it); the pass's clock runs on from there in real time.
   */
  async runOnce(now = new Date()): Promise<number> {
    return passOverDue(
      now,
      (at, afterId, limit) => this.#options.store.due(at, afterId, limit),
      (delivery, clock) =>
        this.#try(delivery, { id: delivery.id, round: delivery.round, attempt: delivery.attempts }, now, clock),
      this.#options.concurrency,
    );
  }

  async #try(delivery: WebhookDelivery, attempt: DeliveryTry, passStart: Date, clock: Clock): Promise<boolean> {
    const { store } = this.#options;
    const log = this.#logger.child({
      deliveryId: delivery.id,
      type: delivery.type,
      round: attempt.round,
      attempt: attempt.attempt,
    });
    const claim = await store.claimAttempt(attempt, this.#workerId, clock(), this.#leaseMs);
    if (claim === 'held') return false;
    // The page was read before the claim was won; a takeover may race with a slow first claimant that has just
    // recorded its outcome: check before acting.
    if (!(await store.isPendingAt(attempt))) return false;
    if (claim === 'abandoned') {
      log.warn('taking over a try whose worker stopped; recording it as failed and trying again now');
      // Tried again at once under the next try's claim: the dead worker's delivery waits a lease, not a back-off.
      const policy = { ...this.#options.policy, initialDelayMs: 0 };
      const decision = decideAttempt({ kind: 'timeout' }, attempt.attempt + 1, clock(), clock(), policy);
      await this.#record(delivery, attempt, { ...decision, lastError: ABANDONED }, clock(), log);
      const next = { ...attempt, attempt: attempt.attempt + 1 };
      return decision.status === 'pending' && this.#try(delivery, next, passStart, clock);
    }
    const endpoint = this.#options.endpoints.byUrl(delivery.url);
    const decision: AttemptDecision = endpoint
      ? await this.#send(delivery, attempt, endpoint, passStart, clock, log)
      : { outcome: 'rejected', status: 'failed', lastStatus: null, lastError: REMOVED, nextAttemptAt: clock() };
    await this.#record(delivery, attempt, decision, clock(), log);
    return decision.status === 'delivered';
  }

  /** Makes the claimed try, keeping the claim fresh while the receiver takes its time. */
  async #send(
    delivery: WebhookDelivery,
    attempt: DeliveryTry,
    endpoint: WebhookEndpoint,
    passStart: Date,
    clock: Clock,
    log: Logger,
  ): Promise<AttemptDecision> {
    const { store } = this.#options;
    const renewal = setInterval(
      () => {
        store
          .renewClaim(attempt, this.#workerId, clock())
          .catch((error: unknown) => log.warn({ err: error }, 'claim renewal failed'));
      },
      Math.max(100, Math.floor(this.#leaseMs / 3)),
    );
    try {
      const sentAt = (this.#options.wallClock ?? (() => new Date()))();
      const result = await inSpan(
        'webhook.deliver',
        { 'webhook.type': delivery.type, 'webhook.attempt': attempt.attempt },
        () =>
          this.#options.send({
            url: delivery.url,
            body: delivery.body,
            headers: {
              'webhook-id': delivery.webhookId,
              'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1_000)),
              'webhook-signature': endpoint.sign(delivery.webhookId, sentAt, delivery.body),
            },
            timeoutMs: this.#options.timeoutMs,
            allowPrivateNetwork: endpoint.allowPrivateNetwork,
          }),
      );
      // Back-off counts from the pass's start (a due delivery is tried at the first pass after it), Retry-After
      // from the answer.
      return decideAttempt(result, attempt.attempt + 1, passStart, clock(), this.#options.policy);
    } finally {
      clearInterval(renewal);
    }
  }

  async #record(
    delivery: WebhookDelivery,
    attempt: DeliveryTry,
    decision: AttemptDecision,
    at: Date,
    log: Logger,
  ): Promise<void> {
    const recorded = await this.#options.store.recordAttempt(attempt, { ...decision, at });
    if (!recorded) log.warn('delivery changed while this worker held its claim');
    const fields = {
      endpoint: loggableUrl(delivery.url),
      outcome: decision.outcome,
      httpStatus: decision.lastStatus,
      ...(decision.status === 'pending' ? { nextAttemptAt: decision.nextAttemptAt.toISOString() } : {}),
    };
    if (decision.outcome === 'delivered') log.info(fields, 'webhook delivered');
    else log.warn({ ...fields, reason: decision.lastError }, messages[decision.outcome]);
    this.#options.attemptsCounter?.inc({ type: delivery.type, outcome: decision.outcome });
  }
}

const messages: Readonly<Record<AttemptOutcomeLabel, string>> = {
  delivered: 'webhook delivered',
  retry: 'webhook try failed; will try again',
  failed: 'webhook failed: tries used up',
  rejected: 'webhook failed: refused for good',
};
