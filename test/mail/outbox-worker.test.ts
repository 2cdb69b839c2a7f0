import { brokerTranslator } from '../support/config.ts';
import { Writable } from 'node:stream';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { createMailRenderer } from '../../src/mail/mail-renderer.ts';
import { Outbox } from '../../src/mail/outbox.ts';
import { CLAIM_LEASE_MS } from '../../src/mail/outbox-store.ts';
import { OutboxWorker, type OutboxWorkerOptions } from '../../src/mail/outbox-worker.ts';
import { createSendGridTransport } from '../../src/mail/sendgrid-transport.ts';
import { startSendGridSink, type SendGridSink } from '../support/sendgrid-sink.ts';
import { openTestMongo, silentLogger, type TestMongo } from '../support/stores.ts';

const VIEWS = join(dirname(fileURLToPath(import.meta.url)), '../../views');
const API_KEY = 'SG.worker-test-key-0123456789';
const FROM = { email: 'accounts@broker.example', name: 'Customer Accounts' };
const TOKEN = 'tok_Zx9YwVuT8sRqPoNmLkJiHgFeDcBa76543210abcd';
const LINK = `https://broker.example/link?token=${TOKEN}`;
const INITIAL_DELAY_MS = 1_000;

const SEALING_KEY = 'outbox-test-cookie-key-0123456789abcdef';

const linkMail = (to = 'carol@carol-and-co.example', notAfter?: Date) => ({
  to,
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

interface MailSendBody {
  personalizations: { to: { email: string }[] }[];
  from: { email: string; name: string };
  subject: string;
  content: { type: string; value: string }[];
}

const recipientOf = (body: unknown): string => (body as MailSendBody).personalizations[0]?.to[0]?.email ?? '';
const seconds = (base: Date, s: number): Date => new Date(base.getTime() + s * 1_000);

describe('outbox worker', () => {
  let mongo: TestMongo;
  let outbox: Outbox;
  let audit: AuditLog;
  let sink: SendGridSink;
  const renderer = createMailRenderer(VIEWS, brokerTranslator());

  function worker(overrides: Partial<OutboxWorkerOptions> = {}): OutboxWorker {
    return new OutboxWorker({
      outbox,
      transport: createSendGridTransport({ apiKey: API_KEY, baseUrl: sink.url, timeoutMs: 2_000 }),
      renderer,
      audit,
      logger: silentLogger,
      from: FROM,
      maxAttempts: 3,
      initialDelayMs: INITIAL_DELAY_MS,
      pollIntervalMs: 60_000,
      ...overrides,
    });
  }

  beforeAll(async () => {
    mongo = await openTestMongo();
    outbox = new Outbox(mongo.connection, { sealingKeys: [SEALING_KEY] });
    audit = new AuditLog(mongo.connection, silentLogger);
    await Promise.all([outbox.ensureIndexes(silentLogger), audit.ensureIndexes()]);
  });
  afterAll(() => mongo.dispose());
  beforeEach(async () => {
    await Promise.all(
      ['outbox', 'outboxclaims', 'auditevents'].map((name) => mongo.connection.collection(name).deleteMany({})),
    );
    sink = await startSendGridSink({ apiKey: API_KEY });
  });
  afterEach(() => sink.close());

  it('sends a due message through SendGrid with its sender, recipient, subject and both parts', async () => {
    const id = await outbox.enqueue(linkMail());
    expect(sink.received).toHaveLength(0);

    expect(await worker().runOnce()).toBe(1);

    expect(sink.received).toHaveLength(1);
    const body = sink.received[0] as MailSendBody;
    expect(body.from).toEqual(FROM);
    expect(recipientOf(body)).toBe('carol@carol-and-co.example');
    expect(body.subject).toBe('Associate your sign-in with your customer account');
    expect(body.content.find((c) => c.type === 'text/plain')?.value).toContain(LINK);
    expect(body.content.find((c) => c.type === 'text/html')?.value).toContain('Associate my sign-in');

    const stored = await outbox.find(id);
    expect(stored).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
    expect(stored?.providerMessageId).toMatch(/^sink-1-/);
    expect(stored?.sentAt).toBeInstanceOf(Date);
  });

  it('audits a sent message with its id and a masked recipient', async () => {
    const id = await outbox.enqueue(linkMail());
    await worker().runOnce();
    const [event] = await audit.recent({ type: 'mail.sent' });
    expect(event).toMatchObject({
      type: 'mail.sent',
      reason: 'association-link',
      detail: { messageId: id, to: 'c***@carol-and-co.example' },
    });
  });

  it('leaves a message that is not yet due alone', async () => {
    const id = await outbox.enqueue(linkMail());
    expect(await worker().runOnce(new Date(Date.now() - 60_000))).toBe(0);
    expect(sink.requests).toBe(0);
    expect(await outbox.find(id)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('retries after SendGrid answers 500 twice, backing off exponentially, and delivers once', async () => {
    await sink.close();
    sink = await startSendGridSink({ apiKey: API_KEY, failFirst: 2 });
    const id = await outbox.enqueue(linkMail());
    const mailer = worker({ maxAttempts: 5 });
    const t0 = seconds(new Date(), 1);

    expect(await mailer.runOnce(t0)).toBe(0);
    const first = await outbox.find(id);
    expect(first).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'SendGrid answered HTTP 500: Internal server error (sink)',
    });
    expect(first?.nextAttemptAt).toEqual(seconds(t0, 1));

    expect(await mailer.runOnce(seconds(t0, 0.5))).toBe(0); // not due yet
    expect(sink.requests).toBe(1);

    expect(await mailer.runOnce(seconds(t0, 1))).toBe(0);
    expect((await outbox.find(id))?.nextAttemptAt).toEqual(seconds(t0, 1 + 2));

    expect(await mailer.runOnce(seconds(t0, 3))).toBe(1);
    expect(sink.requests).toBe(3);
    expect(sink.received).toHaveLength(1);
    expect(await outbox.find(id)).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
  });

  it('marks a message failed and audits it once SendGrid stayed unreachable for maxAttempts', async () => {
    await sink.close();
    const id = await outbox.enqueue(linkMail());
    const mailer = worker({ maxAttempts: 3 });
    let now = seconds(new Date(), 1);
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      expect(await mailer.runOnce(now)).toBe(0);
      now = seconds(now, 3_600);
    }
    const stored = await outbox.find(id);
    expect(stored).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastError: 'SendGrid could not be reached: ECONNREFUSED',
    });
    expect(await mailer.runOnce(now)).toBe(0);
    expect((await outbox.find(id))?.attempts).toBe(3);

    const events = await audit.recent({ type: 'mail.failed' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      reason: 'association-link',
      detail: { messageId: id, to: 'c***@carol-and-co.example', attempts: 3 },
    });
    expect(await audit.recent({ type: 'mail.sent' })).toHaveLength(0);
  });

  it('sends each of 20 due messages exactly once when two workers run at the same time', async () => {
    const addresses = Array.from({ length: 20 }, (_, i) => `person${i}@example.net`);
    for (const address of addresses) await outbox.enqueue(linkMail(address));
    const now = seconds(new Date(), 1);

    const [a, b] = await Promise.all([worker({ workerId: 'a' }).runOnce(now), worker({ workerId: 'b' }).runOnce(now)]);

    expect(a + b).toBe(20);
    expect(sink.requests).toBe(20);
    expect(sink.received.map(recipientOf).sort()).toEqual([...addresses].sort());
    const stored = await outbox.recent(100);
    expect(stored.every((m) => m.status === 'sent' && m.attempts === 1)).toBe(true);
    expect(await audit.recent({ type: 'mail.sent' }, 100)).toHaveLength(20);
  });

  it('sends again, in the same pass, an attempt whose worker died after claiming it, once the short lease ran out', async () => {
    const id = await outbox.enqueue(linkMail());
    const crashedAt = seconds(new Date(), 1);
    // What a worker leaves behind when its process dies between winning the claim and recording the outcome.
    expect(await outbox.claimAttempt(id, 0, 'crashed', crashedAt, CLAIM_LEASE_MS)).toBe('claimed');
    const mailer = worker();

    expect(await mailer.runOnce(seconds(crashedAt, 1))).toBe(0);
    expect(await outbox.find(id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(sink.requests).toBe(0);

    expect(CLAIM_LEASE_MS).toBeLessThanOrEqual(15_000);
    const afterLease = new Date(crashedAt.getTime() + CLAIM_LEASE_MS);
    expect(await mailer.runOnce(afterLease)).toBe(1);
    expect(sink.received).toHaveLength(1);
    expect(await outbox.find(id)).toMatchObject({ status: 'sent', attempts: 2 });
    // The claims as stored (a database written by an earlier version keeps its meaning): the dead worker's, the
    // takeover that recorded its attempt as failed, and the next attempt's.
    const claims = await mongo.connection.collection<{ _id: string }>('outboxclaims').find({}).toArray();
    expect(claims.map((c) => c._id).sort()).toEqual([`${id}:0`, `${id}:0:takeover-1`, `${id}:1`]);
  });

  it('logs message id, template, attempt and status but never the link or the e-mail body', async () => {
    await sink.close();
    sink = await startSendGridSink({ apiKey: API_KEY, failFirst: 1 });
    const lines: string[] = [];
    const memory = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger: Logger = createLogger('trace', memory);
    const id = await outbox.enqueue(linkMail());
    const mailer = worker({ logger, audit: new AuditLog(mongo.connection, logger) });
    const t0 = seconds(new Date(), 1);

    await mailer.runOnce(t0);
    await mailer.runOnce(seconds(t0, 1));

    const log = lines.join('');
    expect(log).toContain(`"messageId":"${id}"`);
    expect(log).toContain('"template":"association-link"');
    expect(log).toContain('"attempt":1');
    expect(log).toContain('"status":"sent"');
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain('broker.example/link');
    expect(log).not.toContain('Carol & Co');
    expect(log).not.toContain('carol@carol-and-co.example');
    expect(log).not.toContain(API_KEY);
  });

  it('stops polling and waits for the pass in progress', async () => {
    await outbox.enqueue(linkMail());
    // A transport that holds the send until the test lets it go: stop() is called while the send is in flight.
    let release: () => void = () => undefined;
    let started: () => void = () => undefined;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const sent: string[] = [];
    const mailer = worker({
      transport: {
        name: 'sendgrid',
        async send(mail) {
          started();
          await new Promise<void>((resolve) => (release = resolve));
          sent.push(mail.to);
          return { providerMessageId: 'held-1' };
        },
      },
    });
    mailer.start();
    await inFlight;
    let stopped = false;
    const stopping = mailer.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(sent).toHaveLength(1);
    expect((await outbox.recent(1))[0]).toMatchObject({ status: 'sent' });
  });
});
