import { randomBytes } from 'node:crypto';
import type { RenderedMail } from './mail-renderer.ts';
import type { MailTransport, OutgoingMail } from './transport.ts';

/** What the development transport "delivered": the e-mail as a recipient would have it, link included. */
export interface DevMailbox {
  /** The delivered copy of the message the outbox recorded under this provider id, if this process delivered it. */
  find(providerMessageId: string): (RenderedMail & { to: string }) | undefined;
}

export interface DevTransport extends MailTransport {
  readonly mailbox: DevMailbox;
}

// The demo's inbox keeps the newest messages only: it is a development aid, held in this process's memory.
const KEEP = 200;

/**
 * Development and demo: sends nothing. The rendered e-mail is kept in memory, as if in the recipient's inbox, where
 * the dev mailbox (`/dev/mailbox`) shows it with its link. The outbox itself keeps no link once a message is sent,
 * with this transport as with any other; a restart empties this inbox (the demo starts from scratch anyway).
 */
export function createDevTransport(): DevTransport {
  const delivered = new Map<string, RenderedMail & { to: string }>();
  return {
    name: 'dev',
    mailbox: { find: (id) => delivered.get(id) },
    send(mail: OutgoingMail) {
      const providerMessageId = `dev-${randomBytes(8).toString('hex')}`;
      delivered.set(providerMessageId, { to: mail.to, subject: mail.subject, html: mail.html, text: mail.text });
      const oldest = delivered.keys().next();
      if (delivered.size > KEEP && !oldest.done) delivered.delete(oldest.value);
      return Promise.resolve({ providerMessageId });
    },
  };
}
