import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import { maskEmail, type AuditLog } from '../audit/audit-log.ts';
import type { Logger } from '../log/logger.ts';
import type { MailRenderer } from './mail-renderer.ts';
import type { AttemptFailure, Outbox, OutboxMessageRecord } from './outbox.ts';
import type { MailTransport } from './transport.ts';

export interface OutboxWorkerOptions {
  /** Counts attempts by template and outcome (sent, retry, failed). */
  mailAttempts?: { inc(labels: { template: string; outcome: string }): void };
  outbox: Outbox;
  transport: MailTransport;
  renderer: MailRenderer;
  audit: AuditLog;
  logger: Logger;
  from: { email: string; name: string };
  /** Attempts before a message is marked failed. */
  maxAttempts: number;
  /** Delay before the second attempt; doubled after each further failure. */
  initialDelayMs: number;
  pollIntervalMs: number;
  /** Written into each claim, to tell later which process sent an attempt. */
  workerId?: string;
}

const PAGE_SIZE = 100;
/**
 * A pass claims with the time it started; ending it after a minute keeps that time far inside the claim lease
 * (CLAIM_LEASE_MS, five minutes), so no claim looks stale while its worker is still busy. The next poll continues.
 */
const PASS_BUDGET_MS = 60_000;
const ABANDONED =
  'the worker sending this attempt stopped before recording its outcome (claim lease expired); it may have been delivered';

/**
 * Delivers the outbox. Any number of workers (one per broker process) may run against one database: each attempt
 * of each message is sent only by the worker whose claim insert won (see outbox-claims.ts).
 *
 * Logs carry the message id, template, attempt and status only: the data and the rendered e-mail contain the
 * one-time link, and the error text stays in the message's `lastError`.
 */
export class OutboxWorker {
  readonly #options: OutboxWorkerOptions;
  readonly #workerId: string;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = true;

  constructor(options: OutboxWorkerOptions) {
    this.#options = options;
    this.#workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.#logger = options.logger.child({ component: 'outbox-worker' });
  }

  /** Polls every `pollIntervalMs`, starting now. A failing pass is logged and the next one runs as planned. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const tick = (): void => {
      this.#running = this.runOnce()
        .catch((error: unknown) => this.#logger.error({ err: error }, 'outbox pass failed'))
        .finally(() => {
          this.#running = undefined;
          if (this.#stopped) return;
          this.#timer = setTimeout(tick, this.#options.pollIntervalMs);
          // The HTTP server keeps the process alive; a pending poll must not hold up its exit.
          this.#timer.unref();
        });
    };
    tick();
  }

  /** Stops polling and waits for a pass in progress, so no claimed attempt is left without its outcome. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** One pass: claims and sends every due message (within a minute); returns how many it sent. */
  async runOnce(now = new Date()): Promise<number> {
    const started = Date.now();
    let sent = 0;
    let afterId: Types.ObjectId | null = null;
    // Pages in `_id` order, so every message due at the start of the pass is looked at once, even those whose claim
    // another worker holds (they stay pending and due).
    for (;;) {
      const page = await this.#options.outbox.due(now, afterId, PAGE_SIZE);
      for (const message of page) {
        if (Date.now() - started > PASS_BUDGET_MS) return sent;
        if (await this.#attempt(message, now)) sent += 1;
      }
      const last = page.at(-1);
      if (!last || page.length < PAGE_SIZE) return sent;
      afterId = last._id;
    }
  }

  async #attempt(message: OutboxMessageRecord, now: Date): Promise<boolean> {
    const { outbox } = this.#options;
    const attempt = message.attempts;
    const log = this.#logger.child({ messageId: message._id.toHexString(), template: message.template, attempt });
    const claim = await outbox.claimAttempt(message, this.#workerId, now);
    if (claim === 'held') return false;
    // The page was read before the claim was won. A plain claim cannot have been used by anyone else, but a
    // takeover may race with a slow original claimant that has just recorded its outcome: check before acting.
    if (!(await outbox.isPendingAt(message._id, attempt))) return false;
    if (claim === 'abandoned') {
      log.warn('taking over an attempt whose worker stopped; recording it as failed');
      await this.#recordFailure(message, ABANDONED, now, log);
      return false;
    }

    let providerMessageId: string;
    try {
      const rendered = this.#options.renderer.render(message.template, message.data);
      ({ providerMessageId } = await this.#options.transport.send({ to: message.to, from: this.#options.from, ...rendered }));
    } catch (error) {
      await this.#recordFailure(message, (error as Error).message, now, log);
      return false;
    }

    if (!(await outbox.recordSent(message._id, attempt, providerMessageId, now))) {
      log.warn('message changed while this worker held its claim');
    }
    log.info({ status: 'sent' }, 'mail sent');
    this.#options.mailAttempts?.inc({ template: message.template, outcome: 'sent' });
    await this.#options.audit.record({
      type: 'mail.sent',
      reason: message.template,
      detail: { messageId: message._id.toHexString(), to: maskEmail(message.to) },
    });
    return true;
  }

  async #recordFailure(message: OutboxMessageRecord, lastError: string, now: Date, log: Logger): Promise<void> {
    const attempts = message.attempts + 1;
    const final = attempts >= this.#options.maxAttempts;
    // Exponential back-off: initialDelay, 2×, 4×, … after the 1st, 2nd, 3rd failure.
    const delayMs = this.#options.initialDelayMs * 2 ** (attempts - 1);
    const failure: AttemptFailure = {
      lastError,
      status: final ? 'failed' : 'pending',
      nextAttemptAt: final ? now : new Date(now.getTime() + delayMs),
    };
    await this.#options.outbox.recordFailure(message._id, message.attempts, failure);
    log.warn({ status: failure.status }, final ? 'mail failed for good' : 'mail attempt failed; will retry');
    this.#options.mailAttempts?.inc({ template: message.template, outcome: final ? 'failed' : 'retry' });
    if (!final) return;
    await this.#options.audit.record({
      type: 'mail.failed',
      reason: message.template,
      detail: { messageId: message._id.toHexString(), to: maskEmail(message.to), attempts },
    });
  }
}
