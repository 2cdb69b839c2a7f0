import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One document per failed message that was retried, keyed by the message's id: inserting it is what lets exactly
 * one retry through (two staff pressing "retry" at once would otherwise send the e-mail twice). An insert, not a
 * conditional update, because FerretDB applies those as read-modify-write.
 *
 * It is the lock, and the plan of the retry: the new message's id is chosen before the insert, so whoever finds the
 * record can finish a retry that stopped half-way (outbox.ts, `#finishRetry`). The state support reads is on the
 * message itself (status `retried` and `retry`), where the failures list can filter on it.
 */
export interface MailRetryRecord {
  _id: string;
  at: Date;
  actor: string;
  /** Null only in records written before the id was chosen up front, by a retry that stopped before it was set. */
  newMessageId: string | null;
}

export function mailRetryModel(connection: Connection): Model<MailRetryRecord> {
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
