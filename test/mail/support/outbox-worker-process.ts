// A broker process's outbox worker on its own, for tests that kill it mid-send: `node outbox-worker-process.ts`
// with MONGODB_URI, SINK_URL and SEALING_KEY. It prints "claimed" once its pass started, and runs one pass.
import { join } from 'node:path';
import { AuditLog } from '../../../src/audit/audit-log.ts';
import { VIEWS_DIR } from '../../../src/broker.ts';
import { loadTranslator } from '../../../src/i18n/translator.ts';
import { createLogger } from '../../../src/log/logger.ts';
import { createMailRenderer } from '../../../src/mail/mail-renderer.ts';
import { Outbox } from '../../../src/mail/outbox.ts';
import { OutboxWorker } from '../../../src/mail/outbox-worker.ts';
import { createSendGridTransport } from '../../../src/mail/sendgrid-transport.ts';
import { connectMongo } from '../../../src/store/mongo.ts';

const logger = createLogger('silent');
const connection = await connectMongo(process.env.MONGODB_URI ?? '', { logger });
const outbox = new Outbox(connection, { sealingKeys: [process.env.SEALING_KEY ?? ''] });
const worker = new OutboxWorker({
  outbox,
  transport: createSendGridTransport({ apiKey: 'SG.process', baseUrl: process.env.SINK_URL ?? '', timeoutMs: 60_000 }),
  renderer: createMailRenderer(VIEWS_DIR, loadTranslator(join(VIEWS_DIR, 'locales'))),
  audit: new AuditLog(connection, logger),
  logger,
  from: { email: 'accounts@broker.example', name: 'Customer Accounts' },
  maxAttempts: 5,
  initialDelayMs: 60_000,
  pollIntervalMs: 60_000,
  workerId: 'doomed-process',
});
await worker.runOnce();
await connection.close();
