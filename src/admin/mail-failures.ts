import { idOf } from '../accounts/people-directory.ts';
import { maskEmail } from '../audit/mask-email.ts';
import type { MailMessage } from '../mail/outbox-store.ts';
import { recordAdminChange } from './admin-audit.ts';
import type { AdminContext } from './admin-context.ts';
import { AdminConflict, AdminNotFound, AdminRetriedAlready } from './admin-errors.ts';
import type { AdminActor } from './admin-roles.ts';
import { readPage } from './list-page.ts';
import type { MailMessageView } from './representations.ts';

/** A message as support sees it; a retried one with the new message's current state, so a tool can follow it. */
export async function mailMessageView(context: AdminContext, m: MailMessage): Promise<MailMessageView> {
  const retriedAs = m.retry ? await context.outbox.find(m.retry.messageId) : null;
  return {
    id: m.id,
    to: m.to,
    template: m.template,
    status: m.status,
    attempts: m.attempts,
    lastError: m.lastError,
    createdAt: m.createdAt.toISOString(),
    retry: m.retry
      ? {
          messageId: m.retry.messageId,
          // The store marks a message retried only once the new one is queued; it is pending until the worker moves it.
          status: retriedAs?.status ?? 'pending',
          at: m.retry.at.toISOString(),
          by: m.retry.by,
        }
      : null,
  };
}

/**
 * What still needs someone, newest first: e-mails given up (failed, not retried: a retry that failed too is listed
 * as itself) or not sent because their link expired. `cursor` is the `next` of the page before.
 */
export async function mailFailures(context: AdminContext, request: { limit: number; cursor?: string | undefined }) {
  const page = await readPage(
    { limit: Math.min(Math.max(request.limit, 1), 500), cursor: request.cursor },
    (limit, after) => context.outbox.failures(limit, after && { createdAt: after.at, id: after.id }),
    (message) => ({ at: message.createdAt, id: message.id }),
  );
  return { messages: await Promise.all(page.items.map((m) => mailMessageView(context, m))), next: page.next };
}

/** One message of the outbox, to follow a retry: the retried one names the new one, which reads as itself. */
export async function mailMessage(context: AdminContext, messageId: string): Promise<MailMessageView> {
  const id = idOf(messageId);
  const message = id ? await context.outbox.find(id) : null;
  if (!message) throw new AdminNotFound('message');
  return mailMessageView(context, message);
}

/**
 * Queues the same message again as a new outbox message, once; the failed one is marked `retried` and names the new
 * one. A link e-mail cannot be retried: its link was erased when it failed (never kept readable), and an old link
 * would be the wrong one to revive; resending the association sends a new link instead.
 */
export async function retryMail(context: AdminContext, actor: AdminActor, messageId: string) {
  const id = idOf(messageId);
  const message = id ? await context.outbox.find(id) : null;
  if (!message) throw new AdminNotFound('message');
  if (message.retry) throw retriedAlready(message.retry.messageId);
  if (message.status !== 'failed')
    throw new AdminConflict(`the message is ${message.status}; only a failed one is retried`);
  if (message.template === 'association-link') {
    throw new AdminConflict('a link e-mail carries a one-time link that is gone: resend the association instead');
  }
  const newId = await context.outbox.retry(message, { actor: actor.id, at: context.now() });
  // Someone else retried it at the same moment: theirs is the new message.
  if (newId === 'retried-already') throw retriedAlready((await context.outbox.find(message.id))?.retry?.messageId);
  await recordAdminChange(context, actor, {
    type: 'admin.mail-retried',
    detail: {
      messageId: message.id,
      newMessageId: newId,
      template: message.template,
      to: maskEmail(message.to),
    },
  });
  return { id: newId };
}

function retriedAlready(newMessageId: string | undefined): AdminRetriedAlready {
  return new AdminRetriedAlready(
    newMessageId
      ? `the message was retried already as ${newMessageId}: follow that one (GET /outbox/${newMessageId})`
      : 'the message was retried already: follow the new one (`retry` of GET /outbox/{messageId})',
  );
}
