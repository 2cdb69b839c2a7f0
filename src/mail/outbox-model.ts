import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { MAIL_TEMPLATES, type MailTemplate } from './mail-templates.ts';
import { OUTBOX_STATUSES, type MailData, type OutboxStatus } from './outbox-store.ts';

/** One e-mail to send. It is written once by the flow that wants it sent and moved on only by the outbox worker. */
export interface OutboxMessageRecord {
  _id: Types.ObjectId;
  to: string;
  template: MailTemplate;
  /** Template values that may be read at rest (names, the language); never logged all the same. */
  data: MailData;
  /**
   * Values that must not be readable at rest (the one-time link), sealed (sealed-values.ts); erased as soon as the
   * message leaves `pending`, so a sent, failed or expired message holds nothing that could be used.
   */
  sealed: string | null;
  /** Not sent after this (the link it carries has expired by then): the message ends `expired`. */
  notAfter: Date | null;
  status: OutboxStatus;
  /** Delivery attempts made so far, the successful one included; attempt N (0-based) is claimed as `<id>:<N>`. */
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  providerMessageId: string | null;
  createdAt: Date;
  sentAt: Date | null;
  /**
   * Set with status `retried` (outbox.ts, `retry`). Messages stored before retries were recorded here have no such
   * field: read as null.
   */
  retry?: { messageId: string; at: Date; by: string } | null;
}

const MODEL_NAME = 'OutboxMessage';

function outboxSchema(): Schema<OutboxMessageRecord> {
  const schema = new Schema<OutboxMessageRecord>(
    {
      to: { type: String, required: true },
      template: { type: String, enum: MAIL_TEMPLATES, required: true },
      data: { type: Schema.Types.Mixed, required: true },
      sealed: { type: String, default: null },
      notAfter: { type: Date, default: null },
      status: { type: String, enum: OUTBOX_STATUSES, required: true },
      attempts: { type: Number, required: true },
      nextAttemptAt: { type: Date, required: true },
      lastError: { type: String, default: null },
      providerMessageId: { type: String, default: null },
      createdAt: { type: Date, required: true },
      sentAt: { type: Date, default: null },
      retry: {
        type: new Schema(
          {
            messageId: { type: String, required: true },
            at: { type: Date, required: true },
            by: { type: String, required: true },
          },
          { _id: false },
        ),
        default: null,
      },
    },
    // `minimize: false` keeps an empty `data` object instead of dropping the required path.
    { collection: 'outbox', versionKey: false, minimize: false },
  );
  // The worker's question: which pending messages are due now.
  schema.index({ status: 1, nextAttemptAt: 1 });
  // The dev mailbox and investigations: newest first.
  schema.index({ createdAt: -1 });
  // Support's failures, newest first with the id as tie-break (the cursor's order).
  schema.index({ status: 1, createdAt: -1, _id: -1 });
  return schema;
}

export function outboxMessageModel(connection: Connection): Model<OutboxMessageRecord> {
  const existing = connection.models[MODEL_NAME] as Model<OutboxMessageRecord> | undefined;
  return existing ?? connection.model<OutboxMessageRecord>(MODEL_NAME, outboxSchema());
}
