import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { VIEWS_DIR } from '../../src/broker.ts';
import { createMailRenderer } from '../../src/mail/mail-renderer.ts';
import { Outbox } from '../../src/mail/outbox.ts';
import { CLAIM_LEASE_MS } from '../../src/mail/outbox-store.ts';
import { OutboxWorker } from '../../src/mail/outbox-worker.ts';
import { createSendGridTransport } from '../../src/mail/sendgrid-transport.ts';
import { brokerTranslator } from '../support/config.ts';
import { startScriptedSendGridSink, type ScriptedSendGridSink } from '../support/scripted-sendgrid-sink.ts';
import { openTestMongo, silentLogger, type TestMongo } from '../support/stores.ts';

const KEY = 'killed-worker-cookie-key-0123456789abcdef';
const WORKER_PROCESS = join(dirname(fileURLToPath(import.meta.url)), 'support/outbox-worker-process.ts');

describe('a broker process killed while it sends an e-mail', () => {
  let mongo: TestMongo;
  let sink: ScriptedSendGridSink;
  let survivor: OutboxWorker | undefined;

  beforeAll(async () => {
    mongo = await openTestMongo();
  });
  afterAll(async () => {
    await survivor?.stop();
    await sink?.close();
    await mongo.dispose();
  });

  it('has its message sent again by another process within seconds (the claim lease), not minutes', async () => {
    // The doomed process's request hangs at the provider; every later one is accepted.
    sink = await startScriptedSendGridSink([{ hang: true }]);
    const outbox = new Outbox(mongo.connection, { sealingKeys: [KEY] });
    const audit = new AuditLog(mongo.connection, silentLogger);
    await Promise.all([outbox.ensureIndexes(silentLogger), audit.ensureIndexes()]);
    const id = await outbox.enqueue({
      to: 'carol@carol-and-co.example',
      template: 'association-link',
      secret: { link: 'https://broker.example/link?token=tok_killed_worker_0123456789abcdefghijklmnopq' },
      data: {
        upstreamName: 'Google',
        signInName: 'carol',
        accountName: 'Carol & Co',
        expiresInMinutes: 60,
        support: 'help@broker.example',
      },
    });

    const doomed = spawn(process.execPath, [WORKER_PROCESS], {
      env: { ...process.env, MONGODB_URI: mongo.uri, SINK_URL: sink.url, SEALING_KEY: KEY },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => doomed.once('exit', resolve));
    await sink.waitForRequests(1, 20_000);
    doomed.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();

    // Another broker process's worker, polling as every broker does (quickly here).
    survivor = new OutboxWorker({
      outbox,
      transport: createSendGridTransport({ apiKey: 'SG.process', baseUrl: sink.url, timeoutMs: 2_000 }),
      renderer: createMailRenderer(VIEWS_DIR, brokerTranslator()),
      audit,
      logger: silentLogger,
      from: { email: 'accounts@broker.example', name: 'Customer Accounts' },
      maxAttempts: 5,
      initialDelayMs: 60_000,
      pollIntervalMs: 500,
    });
    survivor.start();
    await sink.waitForRequests(2, CLAIM_LEASE_MS + 5_000);
    const resentAfterMs = Date.now() - killedAt;

    // Seconds, not the five minutes of the old lease: bounded generously, since a busy machine delays every step.
    expect(resentAfterMs).toBeLessThan(6 * CLAIM_LEASE_MS);
    expect(sink.accepted).toHaveLength(1);
    await survivor.stop();
    expect(await outbox.find(id)).toMatchObject({ status: 'sent', attempts: 2, sealed: null });
  }, 90_000);
});
