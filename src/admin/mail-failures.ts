import { idOf } from '../accounts/people-directory.ts';
import { maskEmail } from '../audit/mask-email.ts';
import type { MailMessage } from '../mail/outbox-store.ts';
import { recordAdminChange } from './admin-audit.ts';
import type { AdminContext } from './admin-context.ts';
import { AdminConflict, AdminNotFound } from './admin-errors.ts';
import type { AdminActor } from './admin-roles.ts';
import type { MailMessageView } from './representations.ts';

export function failureView(m: MailMessage): MailMessageView {
  return {
    id: m.id,
    to: m.to,
    template: m.template,
    status: m.status,
    attempts: m.attempts,
    lastError: m.lastError,
    createdAt: m.createdAt.toISOString(),
    retry: null,
  };
}

/** E-mails that were given up (failed) or not sent because their link expired, newest first. */
export async function mailFailures(context: AdminContext, limit = 100) {
  const messages = await context.outbox.failures(Math.min(Math.max(limit, 1), 500));
  return messages.map(failureView);
}

/**
 * Queues the same message again as a new outbox message (the failed one stays as the record of what failed), once. A
 * link e-mail cannot be retried: its link was erased when it failed (never kept readable), and an old link would be
 * the wrong one to revive; resending the association sends a new link instead.
 */
export async function retryMail(context: AdminContext, actor: AdminActor, messageId: string) {
  const id = idOf(messageId);
  const message = id ? await context.outbox.find(id) : null;
  if (!message) throw new AdminNotFound('message');
  if (message.status !== 'failed')
    throw new AdminConflict(`the message is ${message.status}; only a failed one is retried`);
  if (message.template === 'association-link') {
    throw new AdminConflict('a link e-mail carries a one-time link that is gone: resend the association instead');
  }
  const newId = await context.outbox.retry(message, { actor: actor.id, at: context.now() });
  if (newId === 'retried-already')
    throw new AdminConflict('the message was retried already; see the outbox for the new one');
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
