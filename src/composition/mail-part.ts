import type { Connection } from 'mongoose';
import type { AuditStore } from '../audit/audit-store.ts';
import type { BrokerConfig } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import { createDevTransport, type DevTransport } from '../mail/dev-transport.ts';
import type { MailRenderer } from '../mail/mail-renderer.ts';
import { Outbox } from '../mail/outbox.ts';
import { OutboxWorker } from '../mail/outbox-worker.ts';
import { createSendGridTransport } from '../mail/sendgrid-transport.ts';
import type { BrokerMetrics } from '../metrics/broker-metrics.ts';

export interface MailPart {
  outbox: Outbox;
  worker: OutboxWorker;
  /** Transport `dev` only: the mailbox the development pages show. */
  devTransport: DevTransport | undefined;
}

/** The durable outbox and the worker that sends from it, through SendGrid or the development mailbox. */
export async function mailPart(
  config: Readonly<BrokerConfig>,
  {
    mongo,
    audit,
    renderer,
    metrics,
    logger,
  }: { mongo: Connection; audit: AuditStore; renderer: MailRenderer; metrics: BrokerMetrics; logger: Logger },
): Promise<MailPart> {
  // Links in queued e-mails are sealed under keys derived from the cookie keys, which never enter the database.
  const outbox = new Outbox(mongo, { sealingKeys: config.cookieKeys });
  await outbox.ensureIndexes(logger);
  const devTransport = config.mail.transport === 'dev' ? createDevTransport() : undefined;
  const worker = new OutboxWorker({
    outbox,
    transport: devTransport ?? sendGrid(config),
    renderer,
    audit,
    logger,
    from: config.mail.from,
    maxAttempts: config.mail.retry.maxAttempts,
    initialDelayMs: config.mail.retry.initialDelay,
    pollIntervalMs: config.mail.pollInterval,
    mailAttempts: metrics.mailAttempts,
  });
  return { outbox, worker, devTransport };
}

function sendGrid(config: Readonly<BrokerConfig>) {
  const sendgrid = config.mail.sendgrid;
  // The schema requires mail.sendgrid with transport sendgrid; this guards the type, not the configuration.
  if (!sendgrid) throw new Error('mail.sendgrid: is required when transport is sendgrid');
  return createSendGridTransport(sendgrid);
}
