import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { WEBHOOK_EVENT_TYPES } from './event-types.ts';
import { DELIVERY_STATUSES, type WebhookDelivery } from './webhook-deliveries.ts';

/** A delivery as MongoDB holds it (`webhookdeliveries`); only webhook-delivery-store.ts reads it. */
export type WebhookDeliveryRecord = Omit<WebhookDelivery, 'id'> & {
  _id: Types.ObjectId;
  /** Set once delivered: MongoDB removes the record then (a TTL index). Failed and pending ones are kept. */
  purgeAt?: Date | null;
};

/** How long a delivered delivery, and a claim of any try, is kept for support's questions. */
export const DELIVERED_KEPT_MS = 30 * 24 * 3_600_000;

/** Who took which try (`webhookclaims`): the `_id` is the claim, `<deliveryId>:<round>:<attempt>[:takeover-<n>]`. */
export interface WebhookClaimRecord {
  _id: string;
  deliveryId: Types.ObjectId;
  workerId: string;
  claimedAt: Date;
}

/** One replay of one round (`webhookreplays`), `_id` `<deliveryId>:<new round>`: the insert lets one request through. */
export interface WebhookReplayRecord {
  _id: string;
  deliveryId: Types.ObjectId;
  actor: string;
  at: Date;
}

function deliverySchema(): Schema<WebhookDeliveryRecord> {
  const schema = new Schema<WebhookDeliveryRecord>(
    {
      eventId: { type: String, required: true },
      webhookId: { type: String, required: true },
      type: { type: String, enum: WEBHOOK_EVENT_TYPES, required: true },
      url: { type: String, required: true },
      body: { type: String, required: true },
      status: { type: String, enum: DELIVERY_STATUSES, required: true },
      round: { type: Number, required: true },
      attempts: { type: Number, required: true },
      nextAttemptAt: { type: Date, required: true },
      lastStatus: { type: Number, default: null },
      lastError: { type: String, default: null },
      createdAt: { type: Date, required: true },
      finishedAt: { type: Date, default: null },
      replayedAt: { type: Date, default: null },
      replayedBy: { type: String, default: null },
      purgeAt: { type: Date, default: null },
    },
    { collection: 'webhookdeliveries', versionKey: false },
  );
  // Housekeeping only (FerretDB refuses TTL indexes, and then nothing is purged): delivered records go after a while;
  // a null `purgeAt` (pending, failed) never expires.
  schema.index({ purgeAt: 1 }, { expireAfterSeconds: 0 });
  // One delivery per (event, endpoint), decided by the index: a publisher retrying with the same event id adds none.
  schema.index({ eventId: 1, url: 1 }, { unique: true });
  // The worker's question: which pending deliveries are due now.
  schema.index({ status: 1, nextAttemptAt: 1 });
  // Support's question: which failed, most recent first.
  schema.index({ status: 1, finishedAt: -1, _id: -1 });
  return schema;
}

function claimSchema(): Schema<WebhookClaimRecord> {
  const schema = new Schema<WebhookClaimRecord>(
    {
      _id: { type: String, required: true },
      deliveryId: { type: Schema.Types.ObjectId, required: true },
      workerId: { type: String, required: true },
      claimedAt: { type: Date, required: true },
    },
    { collection: 'webhookclaims', versionKey: false },
  );
  // Housekeeping only, as above: a claim matters while its try runs, and to support for a while after.
  schema.index({ claimedAt: 1 }, { expireAfterSeconds: DELIVERED_KEPT_MS / 1000 });
  return schema;
}

function replaySchema(): Schema<WebhookReplayRecord> {
  return new Schema<WebhookReplayRecord>(
    {
      _id: { type: String, required: true },
      deliveryId: { type: Schema.Types.ObjectId, required: true },
      actor: { type: String, required: true },
      at: { type: Date, required: true },
    },
    { collection: 'webhookreplays', versionKey: false },
  );
}

function modelOf<T>(connection: Connection, name: string, schema: () => Schema<T>): Model<T> {
  const existing = connection.models[name] as Model<T> | undefined;
  return existing ?? connection.model<T>(name, schema());
}

export const webhookDeliveryModel = (connection: Connection) =>
  modelOf<WebhookDeliveryRecord>(connection, 'WebhookDelivery', deliverySchema);
export const webhookClaimModel = (connection: Connection) =>
  modelOf<WebhookClaimRecord>(connection, 'WebhookClaim', claimSchema);
export const webhookReplayModel = (connection: Connection) =>
  modelOf<WebhookReplayRecord>(connection, 'WebhookReplay', replaySchema);
