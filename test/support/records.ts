import type { Connection } from 'mongoose';
import { AuditLog } from '../../src/audit/audit-log.ts';
import type { AuditEntry } from '../../src/audit/audit-store.ts';
import { Outbox } from '../../src/mail/outbox.ts';
import type { MailMessage } from '../../src/mail/outbox-store.ts';
import { silentLogger } from './stores.ts';

// What the broker stored, read through a test's own connection to the broker's database and the stores that own
// the collections (the broker's parts stay inside it): the audit trail and the outbox, newest first.

export function recentAudit(
  db: Connection,
  filter: Partial<Pick<AuditEntry, 'type' | 'subject'>> = {},
  limit = 50,
): Promise<AuditEntry[]> {
  return new AuditLog(db, silentLogger).recent(filter, limit);
}

// Listing opens no sealed value: the key is only there because an outbox cannot be built without one.
const READ_ONLY_KEY = 'records.ts lists the outbox and opens nothing';

export function recentOutbox(db: Connection, limit = 50): Promise<MailMessage[]> {
  return new Outbox(db, { sealingKeys: [READ_ONLY_KEY] }).recent(limit);
}
