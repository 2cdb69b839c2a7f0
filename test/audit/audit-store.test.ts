import { AuditLog } from '../../src/audit/audit-log.ts';
import { openTestMongo, silentLogger } from '../support/stores.ts';
import { auditConformance } from './conformance/audit-conformance.ts';
import { MemoryAuditLog } from './support/memory-audit-log.ts';

// One contract, two implementations (Dex's storage/conformance as the model): MongoDB (FerretDB here; a real MongoDB
// where MONGODB_URI points to one) and the in-memory audit trail.

auditConformance('in memory', async (options) => ({
  audit: new MemoryAuditLog(options),
  close: async () => undefined,
}));

auditConformance('MongoDB', async (options) => {
  const mongo = await openTestMongo();
  const audit = new AuditLog(mongo.connection, silentLogger, options);
  await audit.ensureIndexes();
  return { audit, close: () => mongo.dispose() };
});

describe('the MongoDB audit trail and events stored before `actor` and `personId` were fields', () => {
  it('reads their actor and person from the detail, and finds them by either', async () => {
    const mongo = await openTestMongo();
    try {
      const audit = new AuditLog(mongo.connection, silentLogger);
      await audit.ensureIndexes();
      const person = '64c000000000000000000001';
      // As recordAdminChange stored a change before: no `actor` or `personId` field at all.
      await mongo.connection.collection('auditevents').insertOne({
        type: 'admin.identity-removed',
        at: new Date('2026-11-01T10:00:00Z'),
        accountId: null,
        upstreamId: 'msa',
        subject: 'lost-phone',
        detail: { actor: 'crm-sync', role: 'admin', personId: person },
      });
      const expected = { type: 'admin.identity-removed', actor: 'crm-sync', personId: person, subject: 'lost-phone' };
      expect(await audit.recent()).toEqual([expect.objectContaining(expected)]);
      expect(await audit.search({ actor: 'crm-sync' }, { limit: 10 })).toEqual([expect.objectContaining(expected)]);
      const byPerson = await audit.search({ person: { id: person, signIns: [] } }, { limit: 10 });
      expect(byPerson).toEqual([expect.objectContaining(expected)]);
    } finally {
      await mongo.dispose();
    }
  });
});
