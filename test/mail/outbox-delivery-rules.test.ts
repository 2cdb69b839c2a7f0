import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { createMailRenderer } from '../../src/mail/mail-renderer.ts';
import { Outbox } from '../../src/mail/outbox.ts';
import { OutboxWorker } from '../../src/mail/outbox-worker.ts';
import { createSendGridTransport } from '../../src/mail/sendgrid-transport.ts';
import { brokerTranslator } from '../support/config.ts';
import {
  startScriptedSendGridSink,
  type ScriptedAnswer,
  type ScriptedSendGridSink,
} from '../support/scripted-sendgrid-sink.ts';
import { openTestMongo, silentLogger, type TestMongo } from '../support/stores.ts';

const VIEWS = join(dirname(fileURLToPath(import.meta.url)), '../../views');
const KEY = 'rules-test-cookie-key-0123456789abcdef';
const TOKEN = 'tok_Zx9YwVuT8sRqPoNmLkJiHgFeDcBa76543210abcd';
const LINK = `https://broker.example/link?token=${TOKEN}`;
const RECIPIENT = 'carol@carol-and-co.example';

const linkMail = (notAfter?: Date) => ({
  to: RECIPIENT,
  template: 'association-link' as const,
  secret: { link: LINK },
  ...(notAfter ? { notAfter } : {}),
  data: {
    upstreamName: 'Google',
    signInName: 'carol@gmail.example',
    accountName: 'Carol & Co',
    expiresInMinutes: 60,
    support: 'help@broker.example',
  },
});

describe('outbox delivery rules', () => {
  let mongo: TestMongo;
  let outbox: Outbox;
  let audit: AuditLog;
  let sink: ScriptedSendGridSink | undefined;
  let outcomes: string[];
  const renderer = createMailRenderer(VIEWS, brokerTranslator());

  async function workerAgainst(script: ScriptedAnswer[]): Promise<OutboxWorker> {
    sink = await startScriptedSendGridSink(script);
    return new OutboxWorker({
      outbox,
      transport: createSendGridTransport({ apiKey: 'SG.rules', baseUrl: sink.url, timeoutMs: 2_000 }),
      renderer,
      audit,
      logger: silentLogger,
      from: { email: 'accounts@broker.example', name: 'Customer Accounts' },
      maxAttempts: 5,
      initialDelayMs: 1_000,
      pollIntervalMs: 60_000,
      mailAttempts: { inc: ({ outcome }) => outcomes.push(outcome) },
    });
  }

  beforeAll(async () => {
    mongo = await openTestMongo();
    outbox = new Outbox(mongo.connection, { sealingKeys: [KEY] });
    audit = new AuditLog(mongo.connection, silentLogger);
    await Promise.all([outbox.ensureIndexes(silentLogger), audit.ensureIndexes()]);
  });
  afterAll(() => mongo.dispose());
  beforeEach(async () => {
    outcomes = [];
    await Promise.all(
      ['outbox', 'outboxclaims', 'auditevents'].map((name) => mongo.connection.collection(name).deleteMany({})),
    );
  });
  afterEach(async () => {
    await sink?.close();
    sink = undefined;
  });

  /** The stored document as anyone reading the database (or a backup) sees it. */
  const rawDocument = async () => JSON.stringify(await mongo.connection.collection('outbox').findOne({}));

  it('keeps no usable link at rest: only ciphertext while queued, nothing once sent', async () => {
    const id = await outbox.enqueue(linkMail());
    const queued = await rawDocument();
    expect(queued).not.toContain(TOKEN);
    expect(queued).not.toContain('broker.example/link');
    // The ciphertext opens only under the configured key: a database or a backup alone yields no link.
    const stored = (await outbox.find(id))!;
    expect(new Outbox(mongo.connection, { sealingKeys: [KEY] }).templateValues(stored)).toMatchObject({ link: LINK });
    expect(() =>
      new Outbox(mongo.connection, { sealingKeys: ['another-key-0123456789abcdef0123456789'] }).templateValues(stored),
    ).toThrow(/no configured cookie key opens them/);

    await (await workerAgainst([])).runOnce();
    expect(JSON.stringify(sink!.accepted[0])).toContain(LINK);
    const sent = await outbox.find(id);
    expect(sent).toMatchObject({ status: 'sent', sealed: null });
    expect(await rawDocument()).not.toContain(TOKEN);
  });

  it('refuses to queue a link as readable data', async () => {
    await expect(outbox.enqueue({ ...linkMail(), data: { ...linkMail().data, link: LINK } })).rejects.toThrow(
      /must be passed as a secret/,
    );
  });

  it('never sends a sealed link to a recipient someone wrote into the database afterwards', async () => {
    const id = await outbox.enqueue(linkMail());
    // Someone with write access to the database, not the broker: the raw collection.
    await mongo.connection.collection('outbox').updateOne({}, { $set: { to: 'attacker@evil.example' } });
    await (await workerAgainst([])).runOnce();
    expect(sink!.requests).toHaveLength(0);
    expect(await outbox.find(id)).toMatchObject({ status: 'failed', sealed: null });
    expect(outcomes).toEqual(['rejected']);
  });

  it('waits as long as SendGrid asks with Retry-After when it answers 429, then delivers', async () => {
    const worker = await workerAgainst([{ status: 429, retryAfter: '120', message: 'too many requests' }]);
    const id = await outbox.enqueue(linkMail());
    const t0 = new Date(Date.now() + 1_000);
    await worker.runOnce(t0);
    const waiting = (await outbox.find(id))!;
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1 });
    // The back-off alone would have retried after 1 s; SendGrid asked for 120 s.
    expect(waiting.nextAttemptAt.getTime() - t0.getTime()).toBeGreaterThanOrEqual(120_000);
    expect(await worker.runOnce(new Date(t0.getTime() + 60_000))).toBe(0);
    expect(sink!.requests).toHaveLength(1);
    expect(await worker.runOnce(new Date(t0.getTime() + 121_000))).toBe(1);
    expect(await outbox.find(id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(outcomes).toEqual(['retry', 'sent']);
  });

  it.each([400, 401, 403, 413])(
    'fails at once, audited and counted as rejected, when SendGrid answers %i',
    async (status) => {
      const worker = await workerAgainst([
        { status, message: 'The from address does not match a verified Sender Identity' },
      ]);
      const id = await outbox.enqueue(linkMail());
      await worker.runOnce();
      expect(await worker.runOnce(new Date(Date.now() + 24 * 3_600_000))).toBe(0);
      expect(sink!.requests).toHaveLength(1);
      expect(await outbox.find(id)).toMatchObject({
        status: 'failed',
        attempts: 1,
        sealed: null,
        lastError: expect.stringContaining(`HTTP ${status}`),
      });
      const [failed] = await audit.recent({ type: 'mail.failed' });
      expect(failed).toMatchObject({
        reason: 'association-link',
        detail: { messageId: id, permanent: true, attempts: 1 },
      });
      expect(outcomes).toEqual(['rejected']);
    },
  );

  it('does not send an association e-mail whose link has expired, and audits it as expired', async () => {
    const worker = await workerAgainst([{ status: 500 }]);
    const expiresAt = new Date(Date.now() + 60_000);
    const id = await outbox.enqueue(linkMail(expiresAt));
    await worker.runOnce();
    expect(await outbox.find(id)).toMatchObject({ status: 'pending', attempts: 1 });

    // SendGrid is fine again, but the next attempt comes after the link's end.
    expect(await worker.runOnce(new Date(expiresAt.getTime() + 1_000))).toBe(0);
    expect(sink!.accepted).toHaveLength(0);
    expect(await outbox.find(id)).toMatchObject({ status: 'expired', sealed: null });
    const [expired] = await audit.recent({ type: 'mail.expired' });
    expect(expired).toMatchObject({
      reason: 'association-link',
      detail: { messageId: id, to: 'c***@carol-and-co.example' },
    });
    expect(outcomes).toEqual(['retry', 'expired']);
  });
});
