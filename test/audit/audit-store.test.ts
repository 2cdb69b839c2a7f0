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
