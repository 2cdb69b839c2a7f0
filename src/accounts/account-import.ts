import { readCsvRows, readJsonRows, type RawRow } from './account-file.ts';
import { csvColumnPath, repeatedAddresses, validateAccountRow, validateJsonAccount } from './account-row.ts';
import type { AccountInput, AccountStore, AccountUpsert, ContactChanges } from './account-store.ts';

export { AccountFileError } from './account-file.ts';

export interface Rejection {
  line: number;
  reason: string;
}

export interface ImportReport {
  accounts: { created: number; updated: number; unchanged: number };
  contacts: ContactChanges;
  /** Every rejected row, by line; nothing of a rejected account is imported. */
  rejected: Rejection[];
}

/** An account of the file with the lines it was read from (one in JSON, one per contact in CSV). */
export interface ParsedAccount {
  lines: number[];
  input: AccountInput;
}

export interface ParsedFile {
  accounts: ParsedAccount[];
  rejected: Rejection[];
}

export interface ImportOptions {
  /** Disable the contacts of each imported account that the file does not list (see AccountStore.upsertAccount). */
  prune?: boolean;
  /** Called after each account the import changed (the command publishes `account.changed` from it). */
  changed?: (upsert: AccountUpsert) => Promise<void>;
}

type CheckedRow = { line: number; customerNumber?: string } & ({ input: AccountInput } | { reason: string });

/**
 * Reads and validates an import file (formats: see readJsonRows and readCsvRows) into accounts. An account is
 * imported whole or not at all: were some of its rows imported without the others, --prune would disable the contacts
 * on the rows held back. So every row of a customer number is rejected when one of them is, when JSON lists the
 * number twice (nothing says which is right), or when its CSV rows disagree on the account or list an address twice.
 * Throws AccountFileError when the file as a whole is unreadable.
 */
export function parseAccountFile(text: string, format: 'json' | 'csv'): ParsedFile {
  const rows = (format === 'json' ? readJsonRows(text) : readCsvRows(text)).map((raw) => checkRow(raw, format));
  const groups = new Map<string, CheckedRow[]>();
  const parsed: ParsedFile = { accounts: [], rejected: [] };
  for (const row of rows) {
    const key = 'input' in row ? row.input.customerNumber : row.customerNumber;
    if (key === undefined) parsed.rejected.push({ line: row.line, reason: (row as { reason: string }).reason });
    else groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  for (const [customerNumber, group] of groups) {
    const account = format === 'json' ? jsonAccount(customerNumber, group) : csvAccount(customerNumber, group);
    if ('input' in account) parsed.accounts.push(account);
    else parsed.rejected.push(...account.rejected);
  }
  parsed.rejected.sort((a, b) => a.line - b.line);
  return parsed;
}

function checkRow(raw: RawRow, format: 'json' | 'csv'): CheckedRow {
  if ('reason' in raw) return raw;
  const checked = format === 'json' ? validateJsonAccount(raw.value) : validateAccountRow(raw.value, csvColumnPath);
  if ('input' in checked) return { line: raw.line, ...checked };
  return { line: raw.line, ...checked, ...customerNumberOf(raw.value) };
}

/** The customer number a row names even when the row is invalid, so that its account's other rows are held back. */
function customerNumberOf(value: unknown): { customerNumber?: string } {
  const number = (value as { customerNumber?: unknown } | null)?.customerNumber;
  const text = typeof number === 'number' ? String(number) : typeof number === 'string' ? number.trim() : '';
  return text === '' ? {} : { customerNumber: text };
}

type Grouped = ParsedAccount | { rejected: Rejection[] };

/** Every row of the group rejected: a row with its own problem keeps it, the others are given `reason`. */
function rejectAll(group: readonly CheckedRow[], reason: string): Grouped {
  return { rejected: group.map((row) => ({ line: row.line, reason: 'reason' in row ? row.reason : reason })) };
}

const listLines = (group: readonly CheckedRow[]) => group.map((row) => row.line).join(', ');

function jsonAccount(customerNumber: string, group: readonly CheckedRow[]): Grouped {
  const [row] = group;
  if (group.length === 1 && row && 'input' in row) return { lines: [row.line], input: row.input };
  return rejectAll(group, `customerNumber: ${customerNumber} appears on more than one line (${listLines(group)})`);
}

/** The rows of one customer number, one contact each, as one account: they must agree on the account's fields. */
function csvAccount(customerNumber: string, group: readonly CheckedRow[]): Grouped {
  const invalid = group.filter((row) => 'reason' in row).map((row) => row.line);
  if (invalid.length > 0) {
    const which = invalid.length === 1 ? `line ${invalid[0]} was` : `lines ${invalid.join(', ')} were`;
    return rejectAll(group, `customerNumber ${customerNumber}: not imported because ${which} rejected`);
  }
  const inputs = group.map((row) => (row as { input: AccountInput }).input);
  const [first] = inputs as [AccountInput, ...AccountInput[]];
  const fields = {
    name: (input: AccountInput) => input.name,
    plans: (input: AccountInput) =>
      input.plans
        .map((plan) => `${plan.type}=${plan.expiresAt.toISOString()}`)
        .sort()
        .join(';'),
    status: (input: AccountInput) => input.status ?? '',
  };
  const differing = Object.entries(fields)
    .filter(([, value]) => inputs.some((input) => value(input) !== value(first)))
    .map(([field]) => field);
  if (differing.length > 0) {
    const lines = listLines(group);
    const reason = `lines ${lines} must agree on the account but differ in ${differing.join(', ')}`;
    return rejectAll(group, `customerNumber ${customerNumber}: ${reason}`);
  }
  const contacts = inputs.flatMap((input) => input.contacts);
  const repeated = [...repeatedAddresses(contacts)].map(
    ([email, positions]) => `${email} appears on lines ${positions.map((i) => group[i]?.line).join(', ')}`,
  );
  if (repeated.length > 0) return rejectAll(group, `customerNumber ${customerNumber}: ${repeated.join('; ')}`);
  return { lines: group.map((row) => row.line), input: { ...first, contacts } };
}

/**
 * Upserts every valid account of the file by customer number, and its contacts by address; invalid rows are reported
 * and their accounts skipped, never half-imported. Running it again on the same file changes nothing.
 */
export async function importAccounts(
  store: AccountStore,
  text: string,
  format: 'json' | 'csv',
  options: ImportOptions = {},
): Promise<ImportReport> {
  const { accounts, rejected } = parseAccountFile(text, format);
  const report: ImportReport = {
    accounts: { created: 0, updated: 0, unchanged: 0 },
    contacts: { added: 0, updated: 0, unchanged: 0, disabled: 0 },
    rejected,
  };
  for (const { input } of accounts) {
    const result = await store.upsertAccount(input, { prune: options.prune === true });
    if (result.changedFields.length > 0) await options.changed?.(result);
    report.accounts[result.account] += 1;
    for (const key of ['added', 'updated', 'unchanged', 'disabled'] as const) {
      report.contacts[key] += result.contacts[key];
    }
  }
  return report;
}

/** Whether an import changed nothing at all (what a second run of the same file reports). */
export function changedNothing(report: ImportReport): boolean {
  const { accounts, contacts } = report;
  return accounts.created + accounts.updated + contacts.added + contacts.updated + contacts.disabled === 0;
}
