import type { Connection, Model, Types } from 'mongoose';
import { supportRequestModel, type SupportRequestRecord } from './support-request-model.ts';

export type NewSupportRequest = Omit<
  SupportRequestRecord,
  '_id' | 'createdAt' | 'status' | 'resolvedAt' | 'resolvedBy'
>;

/** The support requests collection's one owner: people open requests, support lists and resolves them. */
export class SupportRequests {
  readonly #model: Model<SupportRequestRecord>;

  constructor(connection: Connection) {
    this.#model = supportRequestModel(connection);
  }

  async open(fields: NewSupportRequest, at: Date): Promise<SupportRequestRecord> {
    const created = await this.#model.create({
      ...fields,
      createdAt: at,
      status: 'open',
      resolvedAt: null,
      resolvedBy: null,
    });
    return created.toObject();
  }

  /** Newest first. */
  list(status: SupportRequestRecord['status'], limit: number): Promise<SupportRequestRecord[]> {
    return this.#model
      .find({ status })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit)
      .lean<SupportRequestRecord[]>()
      .exec();
  }

  find(id: Types.ObjectId): Promise<SupportRequestRecord | null> {
    return this.#model.findById(id).lean<SupportRequestRecord>().exec();
  }

  async resolve(id: Types.ObjectId, at: Date, by: string): Promise<void> {
    await this.#model
      .updateOne({ _id: id, status: 'open' }, { $set: { status: 'resolved', resolvedAt: at, resolvedBy: by } })
      .exec();
  }
}
