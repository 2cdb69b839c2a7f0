import { Schema, type Connection, type Model } from 'mongoose';
import { objectIdOf } from '../accounts/people-directory.ts';
import { isDuplicateKeyError } from '../store/errors.ts';
import { maskEmail } from '../audit/audit-log.ts';
import { outboxMessageModel, type OutboxMessageRecord } from '../mail/outbox-model.ts';
import { recordAdminChange } from './admin-audit.ts';
import type { AdminContext } from './admin-context.ts';
import { AdminConflict, AdminNotFound } from './admin-errors.ts';
import type { AdminActor } from './admin-roles.ts';

/**
 * One document per failed message that was retried, keyed by the message's id: inserting it is what lets exactly
 * one retry through (two staff pressing "retry" at once would otherwise send the e-mail twice). An insert, not a
 * conditional update, because FerretDB applies those as read-modify-write.
 */
interface MailRetryRecord {
  _id: string;
  at: Date;
  actor: string;
  newMessageId: string | null;
}

function mailRetryModel(connection: Connection): Model<MailRetryRecord> {
  const existing = connection.models.MailRetry as Model<MailRetryRecord> | undefined;
  if (existing) return existing;
  const schema = new Schema<MailRetryRecord>(
    {
      _id: { type: String, required: true },
      at: { type: Date, required: true },
      actor: { type: String, required: true },
      newMessageId: { type: String, default: null },
    },
    { collection: 'mailretries', versionKey: false },
  );
  return connection.model<MailRetryRecord>('MailRetry', schema);
}

export function failureView(m: OutboxMessageRecord) {
  return {
    id: m._id.toHexString(),
    to: m.to,
    template: m.template,
    status: m.status,
    attempts: m.attempts,
    lastError: m.lastError,
    createdAt: m.createdAt.toISOString(),
  };
}

/** E-mails that were given up (failed) or not sent because their link expired, newest first. */
export async function mailFailures(context: AdminContext, limit = 100) {
  const messages = await outboxMessageModel(context.db)
    .find({ status: { $in: ['failed', 'expired'] } })
    .sort({ createdAt: -1, _id: -1 })
    .limit(Math.min(Math.max(limit, 1), 500))
    .lean<OutboxMessageRecord[]>()
    .exec();
  return messages.map(failureView);
}

/**
 * Queues the same message again as a new outbox message (the failed one stays as the record of what failed), once. A
 * link e-mail cannot be retried: its link was erased when it failed (never kept readable), and an old link would be
 * the wrong one to revive; resending the association sends a new link instead.
 */
export async function retryMail(context: AdminContext, actor: AdminActor, messageId: string) {
  const id = objectIdOf(messageId);
  const message = id ? await outboxMessageModel(context.db).findById(id).lean<OutboxMessageRecord>().exec() : null;
  if (!message) throw new AdminNotFound('message');
  if (message.status !== 'failed')
    throw new AdminConflict(`the message is ${message.status}; only a failed one is retried`);
  if (message.template === 'association-link') {
    throw new AdminConflict('a link e-mail carries a one-time link that is gone: resend the association instead');
  }
  const retries = mailRetryModel(context.db);
  try {
    await retries.create({ _id: message._id.toHexString(), at: context.now(), actor: actor.id, newMessageId: null });
  } catch (error) {
    if (isDuplicateKeyError(error))
      throw new AdminConflict('the message was retried already; see the outbox for the new one');
    throw error;
  }
  const newId = await context.mailer.enqueue({ to: message.to, template: message.template, data: message.data });
  await retries.updateOne({ _id: message._id.toHexString() }, { $set: { newMessageId: newId } }).exec();
  await recordAdminChange(context, actor, {
    type: 'admin.mail-retried',
    detail: {
      messageId: message._id.toHexString(),
      newMessageId: newId,
      template: message.template,
      to: maskEmail(message.to),
    },
  });
  return { id: newId };
}
