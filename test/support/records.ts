import type { Connection } from 'mongoose';
import { auditEventModel, type AuditEventRecord } from '../../src/audit/audit-event-model.ts';
import { outboxMessageModel, type OutboxMessageRecord } from '../../src/mail/outbox-model.ts';

// What the broker stored, read through a test's own connection to the broker's database (the broker's parts stay
// inside it): the audit trail and the outbox, newest first.

export function recentAudit(
  db: Connection,
  filter: Partial<Pick<AuditEventRecord, 'type' | 'subject'>> = {},
  limit = 50,
): Promise<AuditEventRecord[]> {
  return auditEventModel(db).find(filter).sort({ at: -1, _id: -1 }).limit(limit).lean<AuditEventRecord[]>().exec();
}

export function recentOutbox(db: Connection, limit = 50): Promise<OutboxMessageRecord[]> {
  return outboxMessageModel(db)
    .find()
    .sort({ createdAt: -1, _id: -1 })
    .limit(limit)
    .lean<OutboxMessageRecord[]>()
    .exec();
}
