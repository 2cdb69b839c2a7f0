import type { ClaimOutcome } from '../store/attempt-claims.ts';
import type { MailTemplate } from './mail-templates.ts';

// The outbox as everyone but its MongoDB implementation sees it (the flows enqueue, the worker delivers, support
// retries, the development mailbox reads): plain values with string ids. outbox.ts implements it on MongoDB; the
// tests hold an in-memory one to the same conformance suite (test/mail/conformance/).

export type { MailTemplate };

export type MailData = Record<string, string | number | boolean | null>;

/** `retried`: a failed message that support queued again as a new one (see `MailMessage.retry`); it is done. */
export const OUTBOX_STATUSES = ['pending', 'sent', 'failed', 'expired', 'retried'] as const;

export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** An e-mail to queue, as a flow asks for it. */
export interface OutboxMessage {
  to: string;
  template: MailTemplate;
  /** Values that may be stored readable. */
  data: MailData;
  /** Values that must never be readable at rest (a one-time link): sealed until sent, then erased. */
  secret?: Record<string, string>;
  /** Send no later than this; afterwards the message ends `expired` instead (its link would no longer work). */
  notAfter?: Date;
}

/** A queued e-mail as stored: written once by the flow that wants it sent, moved on only by the outbox worker. */
export interface MailMessage {
  readonly id: string;
  readonly to: string;
  readonly template: MailTemplate;
  /** Template values that may be read at rest (names, the language); never logged all the same. */
  readonly data: Readonly<MailData>;
  /**
   * Values that must not be readable at rest (the one-time link), sealed (sealed-values.ts); erased as soon as the
   * message leaves `pending`, so a sent, failed or expired message holds nothing that could be used.
   */
  readonly sealed: string | null;
  /** Not sent after this (the link it carries has expired by then): the message ends `expired`. */
  readonly notAfter: Date | null;
  readonly status: OutboxStatus;
  /** Delivery attempts made so far, the successful one included; attempts are numbered from 0. */
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly lastError: string | null;
  readonly providerMessageId: string | null;
  readonly createdAt: Date;
  readonly sentAt: Date | null;
  /** Set with status `retried`: the message that was queued in its place, when and by whom. */
  readonly retry: MailRetry | null;
}

/** What every store writes for a message it queues: pending, due now, nothing tried yet. */
export function queuedMessage(message: OutboxMessage, sealed: string | null, now: Date): Omit<MailMessage, 'id'> {
  return {
    to: message.to,
    template: message.template,
    data: message.data,
    sealed,
    notAfter: message.notAfter ?? null,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    lastError: null,
    providerMessageId: null,
    createdAt: now,
    sentAt: null,
    retry: null,
  };
}

/** A failed message queued again by support: the new message carries the same e-mail. */
export interface MailRetry {
  readonly messageId: string;
  readonly at: Date;
  /** Who retried it, as the audit names them (an admin client id or `staff:<subject>`). */
  readonly by: string;
}

/** Where a newest-first list stopped (its last message): the next page starts after it. */
export interface ListPosition {
  readonly createdAt: Date;
  readonly id: string;
}

/** The outcome of one failed attempt, decided by the worker's retry policy. */
export interface AttemptFailure {
  lastError: string;
  /** `failed` once the attempts are used up (or the provider refused for good); `pending` with the next time otherwise. */
  status: 'pending' | 'failed';
  nextAttemptAt: Date;
}

/**
 * How long a claim protects an attempt without being renewed. The worker renews it every third of that while the
 * send is in flight (a slow provider keeps its claim), so only a worker that died or hung loses it, and then its
 * message is taken over and sent again about this long after the worker stopped: seconds, not minutes.
 */
export const CLAIM_LEASE_MS = 10_000;

export type { ClaimOutcome };

export interface OutboxStore {
  /** Queues a message for the worker; never calls a transport. Resolves with the new message's id. */
  enqueue(message: OutboxMessage): Promise<string>;
  /** Nothing for an id that is no message's id. */
  find(id: string): Promise<MailMessage | null>;
  /** Newest first (the same instant: the later id first), for the development mailbox and tests. */
  recent(limit?: number): Promise<MailMessage[]>;
  /**
   * What still needs support: e-mails given up (`failed`, not retried) or not sent because their link expired,
   * newest first (the same instant: the later id first), from just after `after` when given. Paging by the last
   * message's position neither repeats nor skips a message, also when many share a `createdAt`.
   */
  failures(limit: number, after?: ListPosition): Promise<MailMessage[]>;
  /**
   * Queues a failed message again as a new one, once, and marks it `retried` with the new message's id: whoever
   * retries second, also at the same time, is told 'retried-already'. Resolves with the new message's id.
   */
  retry(message: MailMessage, by: { actor: string; at: Date }): Promise<string | 'retried-already'>;
  /** Pending messages due at `now`, in id order after `afterId`, so one pass can page through all of them. */
  due(now: Date, afterId: string | null, limit: number): Promise<MailMessage[]>;
  /**
   * Claims delivery attempt `attempt` of a message for one worker: of any number of workers claiming the same
   * attempt, exactly one is answered `claimed` (or `abandoned`, once the claim before is older than `leaseMs`).
   */
  claimAttempt(messageId: string, attempt: number, workerId: string, now: Date, leaseMs: number): Promise<ClaimOutcome>;
  /** Keeps the holder's claim alive while its send is in flight (see CLAIM_LEASE_MS); anyone else changes nothing. */
  renewClaim(messageId: string, attempt: number, workerId: string, now: Date): Promise<void>;
  /** Whether the message is still pending at exactly this attempt (a claim may have been won on a stale read). */
  isPendingAt(messageId: string, attempt: number): Promise<boolean>;
  /** The template values to render now: the readable data and the opened secrets. Throws when they cannot be opened. */
  templateValues(message: MailMessage): Record<string, unknown>;
  // Each of these moves a message only from `pending` at exactly `attempt`, and tells whether it did; leaving
  // `pending` erases the sealed values.
  recordSent(messageId: string, attempt: number, providerMessageId: string, sentAt: Date): Promise<boolean>;
  recordFailure(messageId: string, attempt: number, failure: AttemptFailure): Promise<boolean>;
  /** Not sent because it would arrive too late (its link has expired); nothing usable is kept. */
  recordExpired(messageId: string, attempt: number): Promise<boolean>;
}
