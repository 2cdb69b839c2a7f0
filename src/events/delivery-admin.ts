import { readPage } from '../store/list-cursor.ts';
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from './event-types.ts';
import { loggableUrl } from './webhook-endpoints.ts';
import { DELIVERY_STATUSES, type WebhookDelivery, type WebhookDeliveryStore } from './webhook-deliveries.ts';

/** A webhook delivery as the admin API and the console show it: string ids, ISO-8601 times. */
export const webhookDeliveryView = z
  .object({
    id: z.string().describe("The delivery's id: one event for one endpoint."),
    eventId: z.string(),
    webhookId: z.string().describe('The webhook-id header, the same on every try and replay.'),
    type: z.enum(WEBHOOK_EVENT_TYPES),
    endpoint: z.string().describe("The endpoint's URL without its query string."),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int().describe('Tries in the current round.'),
    replays: z.number().int().describe('How often it was replayed.'),
    nextAttemptAt: z.iso.datetime().nullable().describe('While pending: the next try.'),
    lastStatus: z.number().int().nullable().describe("The last try's HTTP status; null without an answer."),
    lastError: z.string().nullable(),
    createdAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().nullable().describe('When it was delivered or failed.'),
    replayedAt: z.iso.datetime().nullable(),
    replayedBy: z.string().nullable(),
    event: z
      .object({ type: z.string(), timestamp: z.string(), data: z.record(z.string(), z.unknown()) })
      .describe('The body as sent: the event (docs/webhooks.md).'),
  })
  .describe('A webhook delivery.');

export type WebhookDeliveryView = z.infer<typeof webhookDeliveryView>;

export function deliveryView(delivery: WebhookDelivery): WebhookDeliveryView {
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    webhookId: delivery.webhookId,
    type: delivery.type,
    endpoint: loggableUrl(delivery.url),
    status: delivery.status,
    attempts: delivery.attempts,
    replays: delivery.round,
    nextAttemptAt: delivery.status === 'pending' ? delivery.nextAttemptAt.toISOString() : null,
    lastStatus: delivery.lastStatus,
    lastError: delivery.lastError,
    createdAt: delivery.createdAt.toISOString(),
    finishedAt: delivery.finishedAt?.toISOString() ?? null,
    replayedAt: delivery.replayedAt?.toISOString() ?? null,
    replayedBy: delivery.replayedBy,
    event: JSON.parse(delivery.body) as WebhookDeliveryView['event'],
  };
}

export interface FailedDeliveriesPage {
  readonly deliveries: WebhookDeliveryView[];
  /** Pass as `next` for the following page; null on the last one. */
  readonly next: string | null;
}

export type ReplayAnswer =
  | { readonly kind: 'replayed'; readonly delivery: WebhookDeliveryView }
  | { readonly kind: 'pending' | 'replayed-already' | 'not-found' };

/** What support reads and does about deliveries: the failures, one delivery, a replay. */
export interface WebhookDeliveriesAdmin {
  /** Failed deliveries, the most recently failed first; 'bad-cursor' for a `next` this API did not hand out. */
  listFailed(request: { limit: number; next?: string }): Promise<FailedDeliveriesPage | 'bad-cursor'>;
  find(id: string): Promise<WebhookDeliveryView | null>;
  /** A failed or delivered delivery tried again (same webhook-id), once per request; `actor` as the audit names it. */
  replay(id: string, request: { actor: string; at?: Date }): Promise<ReplayAnswer>;
}

export function webhookDeliveriesAdmin(store: WebhookDeliveryStore): WebhookDeliveriesAdmin {
  return {
    async listFailed({ limit, next }) {
      const page = await readPage(
        { limit, cursor: next },
        (max, after) => store.failed(max, after && { finishedAt: after.at, id: after.id }),
        // A failed delivery always has finished; createdAt only stands in to keep the type total.
        (delivery) => ({ at: delivery.finishedAt ?? delivery.createdAt, id: delivery.id }),
      );
      return page ? { deliveries: page.items.map(deliveryView), next: page.next } : 'bad-cursor';
    },
    async find(id) {
      const found = await store.find(id);
      return found ? deliveryView(found) : null;
    },
    async replay(id, { actor, at = new Date() }) {
      const outcome = await store.replay(id, { actor, at });
      if (outcome !== 'replayed') return { kind: outcome };
      const replayed = await store.find(id);
      return replayed ? { kind: 'replayed', delivery: deliveryView(replayed) } : { kind: 'not-found' };
    },
  };
}
