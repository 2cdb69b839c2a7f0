import { readCsvRows, readJsonRows } from './account-file.ts';
import { validateAccountRow } from './account-row.ts';
import type { AccountInput, AccountStore } from './account-store.ts';

export { AccountFileError } from './account-file.ts';

export interface ImportReport {
  created: number;
  updated: number;
  unchanged: number;
  rejected: Array<{ line: number; reason: string }>;
}

export type ParsedRow = { line: number; input?: AccountInput; reason?: string };

/**
 * Reads and validates every row of an import file (formats: see readJsonRows and readCsvRows). A customer number
 * that appears on several rows rejects all of them: nothing says which row is right. Throws AccountFileError when
 * the file as a whole is unreadable.
 */
export function parseAccountRows(text: string, format: 'json' | 'csv'): ParsedRow[] {
  const rawRows = format === 'json' ? readJsonRows(text) : readCsvRows(text);
  const rows: ParsedRow[] = rawRows.map((raw) =>
    'reason' in raw ? raw : { line: raw.line, ...validateAccountRow(raw.value) },
  );

  const linesByNumber = new Map<string, number[]>();
  for (const row of rows) {
    if (!row.input) continue;
    const lines = linesByNumber.get(row.input.customerNumber) ?? [];
    lines.push(row.line);
    linesByNumber.set(row.input.customerNumber, lines);
  }
  return rows.map((row) => {
    const lines = row.input ? (linesByNumber.get(row.input.customerNumber) ?? []) : [];
    if (lines.length < 2) return row;
    const reason = `customerNumber: ${row.input?.customerNumber} appears on more than one line (${lines.join(', ')})`;
    return { line: row.line, reason };
  });
}

/** Upserts every valid row by customer number; invalid rows are reported and skipped, never half-imported. */
export async function importAccounts(store: AccountStore, text: string, format: 'json' | 'csv'): Promise<ImportReport> {
  const report: ImportReport = { created: 0, updated: 0, unchanged: 0, rejected: [] };
  for (const row of parseAccountRows(text, format)) {
    if (row.input) report[await store.upsertAccount(row.input)] += 1;
    else report.rejected.push({ line: row.line, reason: row.reason ?? 'rejected' });
  }
  return report;
}
