import type { ClaimOutcome } from '../store/attempt-claims.ts';
import type { WebhookEventType } from './event-types.ts';

// The delivery store's contract: plain readonly values with string ids. The MongoDB implementation
// (webhook-delivery-store.ts) and the in-memory one of the tests are held to one conformance suite
// (test/events/conformance).

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One event for one endpoint. Written once by the publisher, moved on by the worker's claim holder and by replay. */
export interface WebhookDelivery {
  readonly id: string;
  /** The event: one per `publish`, shared by its deliveries to every subscribed endpoint. */
  readonly eventId: string;
  /** The `webhook-id` header: fixed at creation, the same on every try and replay, so receivers de-duplicate. */
  readonly webhookId: string;
  readonly type: WebhookEventType;
  /** The endpoint (`webhooks[].url`); its secret is looked up in the configuration at each send, never stored. */
  readonly url: string;
  /** The JSON body exactly as signed and sent, on every try. */
  readonly body: string;
  readonly status: DeliveryStatus;
  /** 0 for the deliveries the publisher wrote; each replay starts the next round with its own tries. */
  readonly round: number;
  /** Tries made in this round; try N (0-based) of round R is claimed as `<id>:<R>:<N>`. */
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  /** The HTTP status of the last answer; null when the last try got none (refused, timed out, unreachable). */
  readonly lastStatus: number | null;
  /** Why the last try failed, without the body or any header. */
  readonly lastError: string | null;
  readonly createdAt: Date;
  /** When it was delivered or failed for good; null while pending. */
  readonly finishedAt: Date | null;
  readonly replayedAt: Date | null;
  /** Who asked for the last replay (an admin client or staff id). */
  readonly replayedBy: string | null;
}

export type NewWebhookDelivery = Pick<WebhookDelivery, 'eventId' | 'webhookId' | 'type' | 'url' | 'body' | 'createdAt'>;

/** A try's outcome, as the worker's retry policy decided it. */
export interface AttemptRecord {
  readonly status: DeliveryStatus;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  /** With `pending`: when to try again. */
  readonly nextAttemptAt: Date;
  readonly at: Date;
}

export type { ClaimOutcome };

/** `replayed`: pending again as a new round. `pending`: still being tried, nothing to replay. */
export type ReplayOutcome = 'replayed' | 'pending' | 'replayed-already' | 'not-found';

/** Where a page of failed deliveries ends: the next page starts after it. */
export interface DeliveryCursor {
  readonly finishedAt: Date;
  readonly id: string;
}

/** A try: the delivery, its round and the try's number within the round. */
export interface DeliveryTry {
  readonly id: string;
  readonly round: number;
  readonly attempt: number;
}

export interface WebhookDeliveryStore {
  /** Adds the deliveries of one event; one per (event, endpoint): a repeated one is ignored, the first kept. */
  add(deliveries: readonly NewWebhookDelivery[]): Promise<void>;
  /** Pending deliveries due at `now`, in id order after `afterId`, so one pass can page through all of them. */
  due(now: Date, afterId: string | null, limit: number): Promise<WebhookDelivery[]>;
  /**
   * Claims a try for one worker: of any number of workers claiming the same try, exactly one gets `claimed`. A claim
   * older than `leaseMs` (its worker stopped renewing it) is taken over once (`abandoned`).
   */
  claimAttempt(attempt: DeliveryTry, workerId: string, now: Date, leaseMs: number): Promise<ClaimOutcome>;
  /** Keeps the holder's claim fresh while its request is in flight. */
  renewClaim(attempt: DeliveryTry, workerId: string, now: Date): Promise<void>;
  /** Whether the delivery is still pending at exactly this try (a claim may have been won on a stale read). */
  isPendingAt(attempt: DeliveryTry): Promise<boolean>;
  /** Records the claimed try's outcome; false when the delivery is no longer at that try. */
  recordAttempt(attempt: DeliveryTry, outcome: AttemptRecord): Promise<boolean>;
  /** Nothing for an id that is no id. */
  find(id: string): Promise<WebhookDelivery | null>;
  /** Failed deliveries, the most recently failed first, after `before`. */
  failed(limit: number, before?: DeliveryCursor): Promise<WebhookDelivery[]>;
  /**
   * Sends a delivered or failed delivery again as a new round with the same webhook-id and body, once per request:
   * of two replays of the same round at once, one replays and the other answers `replayed-already`.
   */
  replay(id: string, request: { actor: string; at: Date }): Promise<ReplayOutcome>;
}

/** What every store writes for a new delivery: pending, due at once, no try made yet. */
export function queuedDelivery(delivery: NewWebhookDelivery): Omit<WebhookDelivery, 'id'> {
  return {
    ...delivery,
    status: 'pending',
    round: 0,
    attempts: 0,
    nextAttemptAt: delivery.createdAt,
    lastStatus: null,
    lastError: null,
    finishedAt: null,
    replayedAt: null,
    replayedBy: null,
  };
}
