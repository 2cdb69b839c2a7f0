import { randomBytes } from 'node:crypto';
import type { MailTransport } from './transport.ts';

/**
 * Development and demo: sends nothing. The message stays in the outbox, marked sent, where the dev mailbox
 * (`/dev/mailbox`) renders it, link included, so the association flow can be followed without a mail provider.
 */
export function createDevTransport(): MailTransport {
  return {
    name: 'dev',
    send() {
      return Promise.resolve({ providerMessageId: `dev-${randomBytes(8).toString('hex')}` });
    },
  };
}
