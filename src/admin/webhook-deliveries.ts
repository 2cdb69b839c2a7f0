import type { WebhookDeliveryView } from '../events/delivery-admin.ts';
import { recordAdminChange } from './admin-audit.ts';
import type { AdminContext } from './admin-context.ts';
import { AdminConflict, AdminInvalidRequest, AdminNotFound } from './admin-errors.ts';
import type { AdminActor } from './admin-roles.ts';

// Webhook deliveries as support sees them: the ones that failed for good (a receiver down for a day and a half, or
// refusing with a 4xx), and replaying one after the receiver was fixed.

export async function webhookFailures(context: AdminContext, limit: number, cursor: string | undefined) {
  const page = await context.deliveries.listFailed({ limit, ...(cursor === undefined ? {} : { next: cursor }) });
  if (page === 'bad-cursor') throw new AdminInvalidRequest('cursor: not a cursor this API handed out');
  return page;
}

export async function webhookDelivery(context: AdminContext, id: string): Promise<WebhookDeliveryView> {
  const found = await context.deliveries.find(id);
  if (!found) throw new AdminNotFound('webhook delivery');
  return found;
}

/** Tries a delivery again from the first try, with the same webhook-id (receivers de-duplicate on it); audited. */
export async function replayWebhookDelivery(context: AdminContext, actor: AdminActor, id: string) {
  const answer = await context.deliveries.replay(id, { actor: actor.id, at: context.now() });
  if (answer.kind !== 'replayed') {
    if (answer.kind === 'not-found') throw new AdminNotFound('webhook delivery');
    throw new AdminConflict(
      answer.kind === 'pending' ? 'the delivery is still being tried' : 'the delivery was replayed meanwhile',
    );
  }
  await recordAdminChange(context, actor, {
    type: 'admin.webhook-replayed',
    detail: { deliveryId: id, eventType: answer.delivery.type, webhookId: answer.delivery.webhookId },
  });
  return answer.delivery;
}
