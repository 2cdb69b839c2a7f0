import { Schema } from 'mongoose';
import { ensureIndexes } from '../../src/store/mongo.ts';
import { openTestMongo, openTestRedis, silentLogger, type TestMongo, type TestRedis } from '../support/stores.ts';

describe('MongoDB-wire server through mongoose', () => {
  let mongo: TestMongo;
  beforeAll(async () => {
    mongo = await openTestMongo();
  });
  afterAll(() => mongo.dispose());

  it('writes a document and reads it back', async () => {
    const Note = mongo.connection.model('Note', new Schema({ text: String, at: Date }));
    const at = new Date('2026-01-02T03:04:05Z');
    const { _id } = await Note.create({ text: 'hello', at });
    const found = await Note.findById(_id).lean();
    expect(found).toMatchObject({ text: 'hello', at });
  });

  it('enforces a unique index created by ensureIndexes, tolerating a TTL index the server may refuse', async () => {
    const schema = new Schema({ key: String, expiresAt: Date });
    schema.index({ key: 1 }, { unique: true });
    schema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
    const Keyed = mongo.connection.model('Keyed', schema);
    await ensureIndexes([Keyed as never], silentLogger);
    await Keyed.create({ key: 'a', expiresAt: new Date() });
    await expect(Keyed.create({ key: 'a', expiresAt: new Date() })).rejects.toMatchObject({ code: 11000 });
  });
});

describe('Redis', () => {
  let store: TestRedis;
  beforeAll(async () => {
    store = await openTestRedis();
  });
  afterAll(() => store.dispose());

  it('round-trips a value with its TTL', async () => {
    await store.redis.set('greeting', 'hello', 'EX', 60);
    expect(await store.redis.get('greeting')).toBe('hello');
    const ttl = await store.redis.ttl('greeting');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });
});
