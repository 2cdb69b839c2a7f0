import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One document per failed message that was retried, keyed by the message's id: inserting it is what lets exactly
 * one retry through (two staff pressing "retry" at once would otherwise send the e-mail twice). An insert, not a
 * conditional update, because FerretDB applies those as read-modify-write.
 */
export interface MailRetryRecord {
  _id: string;
  at: Date;
  actor: string;
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
