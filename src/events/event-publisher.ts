import { randomBytes } from 'node:crypto';
import type { Logger } from '../log/logger.ts';
import { WEBHOOK_EVENT_DATA, type WebhookEventData, type WebhookEventType } from './event-types.ts';
import type { WebhookDeliveryStore } from './webhook-deliveries.ts';
import type { WebhookEndpoints } from './webhook-endpoints.ts';

export interface PublishOptions {
  /**
   * The event's id, for a caller that may publish the same event twice (a retried request): one delivery per
   * endpoint is kept. Letters, digits, `_` and `-`; a random id by default.
   */
  eventId?: string;
  /** When it happened; now by default. */
  at?: Date;
}

/** What flows call when something the customer system should know about has happened. */
export interface EventPublisher {
  /**
   * Queues the event for every endpoint subscribed to its type; never sends and never rejects: a store failure is
   * logged and counted, and the action that published goes on. Resolves once the deliveries are stored, or after
   * a short wait at most (the store is slow or down), so a sign-in is never held up by it.
   */
  publish<T extends WebhookEventType>(type: T, data: WebhookEventData<T>, options?: PublishOptions): Promise<void>;
  /** Whether an endpoint subscribes to `type`: a caller reads what an event needs only when someone wants it. */
  wants(type: WebhookEventType): boolean;
}

export interface EventPublisherOptions {
  endpoints: WebhookEndpoints;
  store: WebhookDeliveryStore;
  logger: Logger;
  /** Counts events that could not be stored (and so will not be delivered), by type. */
  failuresCounter?: { inc(labels: { type: string }): void };
  /** The longest `publish` waits for the store before it resolves anyway (the insert goes on in the background). */
  waitMs?: number;
}

export interface RunningEventPublisher extends EventPublisher {
  /** Waits for inserts still under way (at shutdown, before the store closes). */
  settle(): Promise<void>;
}

const EVENT_ID = /^[A-Za-z0-9_-]{1,100}$/;
const DEFAULT_WAIT_MS = 1_000;

/** A publisher for a broker without webhooks: nothing is kept. */
export const noEventPublisher: EventPublisher = { publish: () => Promise.resolve(), wants: () => false };

/**
 * The publisher port's implementation: builds the event's body once (Standard Webhooks' `{type, timestamp, data}`,
 * the same bytes on every try) and stores one delivery per subscribed endpoint. The data is parsed with the event's
 * schema first, which also drops any field the schema does not name: a token handed in by mistake never leaves.
 */
export function createEventPublisher(options: EventPublisherOptions): RunningEventPublisher {
  const { endpoints, store, failuresCounter } = options;
  const logger = options.logger.child({ component: 'webhook-events' });
  const inFlight = new Set<Promise<void>>();

  const failed = (type: WebhookEventType, fields: Record<string, unknown>, message: string) => {
    logger.error({ type, ...fields }, message);
    failuresCounter?.inc({ type });
  };

  const enqueue = async (type: WebhookEventType, data: unknown, publish: PublishOptions): Promise<void> => {
    const subscribed = endpoints.subscribedTo(type);
    if (subscribed.length === 0) return;
    const parsed = WEBHOOK_EVENT_DATA[type].safeParse(data);
    if (!parsed.success) {
      // The issue's path only: the values may be what must not be logged.
      const paths = parsed.error.issues.map((issue) => issue.path.join('.') || '(data)');
      failed(type, { fields: paths }, 'event not published: its data does not match the schema');
      return;
    }
    const eventId = publish.eventId ?? randomBytes(12).toString('hex');
    if (!EVENT_ID.test(eventId)) {
      failed(type, {}, 'event not published: eventId must be letters, digits, _ or -');
      return;
    }
    const at = publish.at ?? new Date();
    const body = JSON.stringify({ type, timestamp: at.toISOString(), data: parsed.data });
    try {
      await store.add(
        subscribed.map((endpoint) => ({
          eventId,
          // Standard Webhooks: no `.` in the id (it is part of the signed `id.timestamp.body`).
          webhookId: `msg_${eventId}`,
          type,
          url: endpoint.url,
          body,
          createdAt: at,
        })),
      );
    } catch (error) {
      failed(
        type,
        { eventId, err: { message: (error as Error).message } },
        'event not stored: it will not be delivered',
      );
    }
  };

  return {
    wants: (type) => endpoints.subscribedTo(type).length > 0,
    publish(type, data, publishOptions = {}) {
      if (endpoints.size === 0) return Promise.resolve();
      const stored = enqueue(type, data, publishOptions).catch((error: unknown) =>
        failed(type, { err: { message: (error as Error).message } }, 'event not published'),
      );
      inFlight.add(stored);
      void stored.finally(() => inFlight.delete(stored));
      const waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        void stored.finally(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    async settle() {
      await Promise.allSettled([...inFlight]);
    },
  };
}
