import { passOverDue, type PassClock as Clock } from '../store/due-pass.ts';
import { RepeatingPass, workerIdentity } from '../store/repeating-pass.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import { maskEmail } from '../audit/mask-email.ts';
import type { Logger } from '../log/logger.ts';
import type { MailRenderer } from './mail-renderer.ts';
import { CLAIM_LEASE_MS, type AttemptFailure, type MailMessage, type OutboxStore } from './outbox-store.ts';
import { MailDeliveryError, type MailTransport } from './transport.ts';
import { inSpan } from '../tracing/spans.ts';

export interface OutboxWorkerOptions {
  /**
   * Counts attempts by template and outcome: sent, retry, failed (attempts used up), rejected (refused for good by
   * the provider, or unreadable), expired (its link expired first). Alert on failed and rejected.
   */
  mailAttempts?: { inc(labels: { template: string; outcome: string }): void };
  outbox: OutboxStore;
  transport: MailTransport;
  renderer: MailRenderer;
  audit: Pick<AuditStore, 'record'>;
  logger: Logger;
  from: { email: string; name: string };
  /** Attempts before a message is marked failed. */
  maxAttempts: number;
  /** Delay before the second attempt; doubled after each further failure. */
  initialDelayMs: number;
  pollIntervalMs: number;
  /** Written into each claim, to tell later which process sent an attempt. */
  workerId?: string;
  /** How long a claim holds without renewal (CLAIM_LEASE_MS); shorter in tests of a killed worker. */
  leaseMs?: number;
}

const ABANDONED =
  'the worker sending this attempt stopped before recording its outcome (claim lease expired); it may have been delivered';

/**
 * Delivers the outbox. Any number of workers (one per broker process) may run against one database: each attempt
 * of each message is sent only by the worker whose claim won (OutboxStore.claimAttempt; on MongoDB, outbox-claims.ts).
 *
 * Logs carry the message id, template, attempt and status only: the data and the rendered e-mail contain the
 * one-time link, and the error text stays in the message's `lastError`.
 */
export class OutboxWorker {
  readonly #options: OutboxWorkerOptions;
  readonly #workerId: string;
  readonly #logger: Logger;
  readonly #passes: RepeatingPass;

  constructor(options: OutboxWorkerOptions) {
    this.#options = options;
    this.#workerId = options.workerId ?? workerIdentity();
    this.#logger = options.logger.child({ component: 'outbox-worker' });
    this.#passes = new RepeatingPass(() => this.runOnce(), {
      intervalMs: options.pollIntervalMs,
      logger: this.#logger,
      failure: 'outbox pass failed',
    });
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
   * One pass: claims and sends every due message (within a minute); returns how many it sent. `now` is the pass's
   * start (tests inject it); the pass's clock runs on from there in real time, for claims, renewals and expiry.
   */
  async runOnce(now = new Date()): Promise<number> {
    return passOverDue(
      now,
      (at, afterId, limit) => this.#options.outbox.due(at, afterId, limit),
      (message, clock) => this.#attempt(message, message.attempts, now, clock),
    );
  }

  async #attempt(message: MailMessage, attempt: number, passStart: Date, clock: Clock): Promise<boolean> {
    const { outbox } = this.#options;
    const log = this.#logger.child({ messageId: message.id, template: message.template, attempt });
    const leaseMs = this.#options.leaseMs ?? CLAIM_LEASE_MS;
    const claim = await outbox.claimAttempt(message.id, attempt, this.#workerId, clock(), leaseMs);
    if (claim === 'held') return false;
    // The page was read before the claim was won. A plain claim cannot have been used by anyone else, but a
    // takeover may race with a slow original claimant that has just recorded its outcome: check before acting.
    if (!(await outbox.isPendingAt(message.id, attempt))) return false;
    const current = { ...message, attempts: attempt };
    if (claim === 'abandoned') {
      log.warn('taking over an attempt whose worker stopped; recording it as failed and sending again now');
      const final = await this.#recordFailure(current, ABANDONED, passStart, clock, log, { retryNow: true });
      // Sent again at once, under the next attempt's claim: the dead worker's message waits a lease, not a back-off.
      return final ? false : this.#attempt(message, attempt + 1, passStart, clock);
    }
    if (message.notAfter && message.notAfter <= clock()) {
      await this.#recordExpired(current, log);
      return false;
    }

    let providerMessageId: string;
    // While the provider takes its time, the claim is kept fresh; a dead process stops renewing it.
    const renewal = setInterval(
      () => {
        outbox
          .renewClaim(message.id, attempt, this.#workerId, clock())
          .catch((error: unknown) => log.warn({ err: error }, 'claim renewal failed'));
      },
      Math.max(100, Math.floor(leaseMs / 3)),
    );
    try {
      const rendered = this.#options.renderer.render(message.template, outbox.templateValues(current));
      // A span per delivery (tracing/spans.ts): the provider's time shows beside the broker's.
      ({ providerMessageId } = await inSpan(
        'mail.deliver',
        { 'mail.template': message.template, 'mail.attempt': attempt },
        () => this.#options.transport.send({ to: message.to, from: this.#options.from, ...rendered }),
      ));
    } catch (error) {
      // A message that cannot be rendered or opened will not render next time either.
      const permanent = !(error instanceof MailDeliveryError) || error.permanent;
      const retryAfterMs = error instanceof MailDeliveryError ? error.retryAfterMs : undefined;
      await this.#recordFailure(current, (error as Error).message, passStart, clock, log, { permanent, retryAfterMs });
      return false;
    } finally {
      clearInterval(renewal);
    }

    if (!(await outbox.recordSent(message.id, attempt, providerMessageId, clock()))) {
      log.warn('message changed while this worker held its claim');
    }
    log.info({ status: 'sent' }, 'mail sent');
    this.#options.mailAttempts?.inc({ template: message.template, outcome: 'sent' });
    await this.#options.audit.record({
      type: 'mail.sent',
      reason: message.template,
      detail: { messageId: message.id, to: maskEmail(message.to) },
    });
    return true;
  }

  async #recordExpired(message: MailMessage, log: Logger): Promise<void> {
    await this.#options.outbox.recordExpired(message.id, message.attempts);
    log.warn({ status: 'expired' }, 'mail not sent: its link expired first');
    this.#options.mailAttempts?.inc({ template: message.template, outcome: 'expired' });
    await this.#options.audit.record({
      type: 'mail.expired',
      reason: message.template,
      detail: { messageId: message.id, to: maskEmail(message.to), attempts: message.attempts },
    });
  }

  /** Records a failed attempt; returns whether the message is now failed for good. */
  async #recordFailure(
    message: MailMessage,
    lastError: string,
    passStart: Date,
    clock: Clock,
    log: Logger,
    how: { permanent?: boolean; retryAfterMs?: number | undefined; retryNow?: boolean },
  ): Promise<boolean> {
    const attempts = message.attempts + 1;
    const final = how.permanent === true || attempts >= this.#options.maxAttempts;
    // Exponential back-off from the pass's start: initialDelay, 2×, 4×, … after the 1st, 2nd, 3rd failure; and never
    // sooner than the provider asked, counted from its answer (Retry-After).
    const backoffMs = how.retryNow ? 0 : this.#options.initialDelayMs * 2 ** (attempts - 1);
    const now = clock();
    const next = Math.max(passStart.getTime() + backoffMs, now.getTime() + (how.retryAfterMs ?? 0));
    const failure: AttemptFailure = {
      lastError,
      status: final ? 'failed' : 'pending',
      nextAttemptAt: final ? now : new Date(next),
    };
    await this.#options.outbox.recordFailure(message.id, message.attempts, failure);
    const outcome = !final ? 'retry' : how.permanent ? 'rejected' : 'failed';
    log.warn({ status: failure.status, outcome }, final ? 'mail failed for good' : 'mail attempt failed; will retry');
    this.#options.mailAttempts?.inc({ template: message.template, outcome });
    if (!final) return false;
    await this.#options.audit.record({
      type: 'mail.failed',
      reason: message.template,
      detail: {
        messageId: message.id,
        to: maskEmail(message.to),
        attempts,
        permanent: how.permanent === true,
        error: lastError,
      },
    });
    return true;
  }
}
