import { Types } from 'mongoose';
import type { MailRetryRecord } from '../../src/mail/mail-retries.ts';
import { Outbox } from '../../src/mail/outbox.ts';
import { openTestMongo, silentLogger, type TestMongo } from '../support/stores.ts';

// What the conformance suite cannot say of every store: MongoDB's outbox reads what earlier versions stored, and a
// retry that stopped half-way (its process died between two writes) is finished, not left failed and unretriable.

const KEY = 'outbox-retries-test-key-0123456789abcdef';
const FAILED_AT = new Date('2026-11-30T08:00:00Z');
const RETRIED_AT = new Date('2026-11-30T09:00:00Z');
const NOW = new Date('2026-12-01T10:00:00Z');

describe('retries in the MongoDB outbox', () => {
  let mongo: TestMongo;
  let outbox: Outbox;

  beforeEach(async () => {
    mongo = await openTestMongo();
    outbox = new Outbox(mongo.connection, { sealingKeys: [KEY], now: () => NOW });
  });
  afterEach(() => mongo.dispose());

  /** A failed message as versions before `retry` stored it: no such field. */
  async function storedFailedMessage(): Promise<string> {
    const _id = new Types.ObjectId();
    await mongo.connection.collection('outbox').insertOne({
      _id,
      to: 'desk@example.com',
      template: 'support-request',
      data: { ticket: 7 },
      sealed: null,
      notAfter: null,
      status: 'failed',
      attempts: 8,
      nextAttemptAt: FAILED_AT,
      lastError: 'HTTP 500',
      providerMessageId: null,
      createdAt: FAILED_AT,
      sentAt: null,
    });
    return _id.toHexString();
  }

  const retryRecord = (messageId: string, newMessageId: string | null) =>
    mongo.connection.collection<MailRetryRecord>('mailretries').insertOne({
      _id: messageId,
      at: RETRIED_AT,
      actor: 'support-desk',
      newMessageId,
    });

  it('reads a message stored before retries were recorded on it, as not retried', async () => {
    const id = await storedFailedMessage();
    expect(await outbox.find(id)).toMatchObject({ id, status: 'failed', retry: null });
    expect((await outbox.failures(10)).map((m) => m.id)).toEqual([id]);
  });

  it('marks at start-up what an earlier version retried, with the message it queued, queueing nothing again', async () => {
    const old = await storedFailedMessage();
    const queued = await outbox.enqueue({ to: 'desk@example.com', template: 'support-request', data: { ticket: 7 } });
    await retryRecord(old, queued);

    await outbox.ensureIndexes(silentLogger);
    expect(await outbox.find(old)).toMatchObject({
      status: 'retried',
      retry: { messageId: queued, at: RETRIED_AT, by: 'support-desk' },
    });
    expect(await outbox.failures(10)).toEqual([]);
    expect((await outbox.recent()).map((m) => m.id)).toEqual([queued, old]);
  });

  it('finishes a retry whose process died after its record: at the next retry, or at start-up', async () => {
    const [first, second] = [await storedFailedMessage(), await storedFailedMessage()];
    const [planned1, planned2] = [new Types.ObjectId().toHexString(), new Types.ObjectId().toHexString()];
    await retryRecord(first, planned1);
    await retryRecord(second, planned2);

    // Support presses "retry" again: it was retried already, and now it is.
    expect(await outbox.retry((await outbox.find(first))!, { actor: 'staff:bob', at: new Date() })).toBe(
      'retried-already',
    );
    expect(await outbox.find(first)).toMatchObject({ status: 'retried', retry: { messageId: planned1 } });
    expect(await outbox.find(planned1)).toMatchObject({
      to: 'desk@example.com',
      template: 'support-request',
      data: { ticket: 7 },
      status: 'pending',
      attempts: 0,
    });

    await outbox.ensureIndexes(silentLogger);
    expect(await outbox.find(second)).toMatchObject({ status: 'retried', retry: { messageId: planned2 } });
    expect(await outbox.find(planned2)).toMatchObject({ status: 'pending', data: { ticket: 7 } });
    // Run again (a second process starting): nothing is queued twice.
    await outbox.ensureIndexes(silentLogger);
    expect((await outbox.recent()).filter((m) => m.status === 'pending')).toHaveLength(2);
  });

  it('releases a retry an earlier version left without the new message, so support can retry it', async () => {
    const id = await storedFailedMessage();
    await retryRecord(id, null);
    await outbox.ensureIndexes(silentLogger);
    expect(await outbox.find(id)).toMatchObject({ status: 'failed', retry: null });
    const newId = await outbox.retry((await outbox.find(id))!, { actor: 'staff:bob', at: RETRIED_AT });
    expect(newId).not.toBe('retried-already');
    expect(await outbox.find(id)).toMatchObject({ status: 'retried', retry: { messageId: newId, by: 'staff:bob' } });
  });
});
