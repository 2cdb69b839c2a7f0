import { parse as parseCsv, CsvError } from 'csv-parse/sync';

/**
 * A row of an import file before validation, with the line where it starts (1-based), or why it has no value (and
 * the customer number it names, when that much could be read, so that the account's other rows are held back too).
 */
export type RawRow = { line: number; value: unknown } | { line: number; reason: string; customerNumber?: string };

/** The file as a whole cannot be read as accounts (not JSON, no header, unbalanced quotes): no row is imported. */
export class AccountFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccountFileError';
  }
}

const CSV_COLUMNS = ['customerNumber', 'name', 'plans', 'email'] as const;
const CSV_OPTIONAL_COLUMNS = ['contactName', 'status'] as const;

/**
 * JSON: an array of account objects `[{customerNumber, name, plans: [{type, expiresAt}], status?, contacts: [{email,
 * name?}]}]`, where a bare `email` stands for one contact.
 */
export function readJsonRows(text: string): RawRow[] {
  const source = text.replace(/^\uFEFF/, '');
  let document: unknown;
  try {
    document = JSON.parse(source);
  } catch (error) {
    throw new AccountFileError(`not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(document)) throw new AccountFileError('must be a JSON array of accounts');
  const lines = elementStartLines(source);
  // The scan only runs on text JSON.parse accepted, so the counts agree; the index is a fallback all the same.
  return document.map((value: unknown, index) => ({ line: lines[index] ?? index + 1, value }));
}

/** The line on which each element of a top-level JSON array starts, so that rejections point into the file. */
function elementStartLines(json: string): number[] {
  const starts: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let expectElement = false;
  for (const char of json) {
    if (char === '\n') line += 1;
    if (inString) {
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
      continue;
    }
    if (expectElement && !/\s/.test(char) && char !== ']') {
      starts.push(line);
      expectElement = false;
    }
    if (char === '"') inString = true;
    else if (char === '[' || char === '{') {
      depth += 1;
      if (depth === 1) expectElement = true;
    } else if (char === ']' || char === '}') depth -= 1;
    else if (char === ',' && depth === 1) expectElement = true;
  }
  return starts;
}

/**
 * CSV with one row per contact and the header `customerNumber,name,plans,email` (any order; optional columns
 * `contactName` and `status`). The rows of one customer number make one account (account-import.ts checks that they
 * agree on its name, plans and status); each row turns into an account with that row's contact. `plans` holds `type=YYYY-MM-DD` entries separated by `;`, for example `support=2027-06-30;enhancement=2026-12-31`,
 * and is empty for an account without plans; the date is the plan's last day. Fields containing `,`, `"` or a line
 * break are quoted as in RFC 4180. A row's line is the physical line where it starts (the header is line 1).
 */
export function readCsvRows(text: string): RawRow[] {
  // csv-parse counts lines of a CRLF file inconsistently; with plain LF its count is the line where a record ends.
  const source = text.replace(/\r\n?/g, '\n');
  // Each record with the line it ends on, as csv-parse counts it: the snapshot that `info: true` would wrap the
  // record with (a shape its typings do not model), handed to `on_record` as the record is emitted.
  const records: Array<{ record: string[]; lines: number }> = [];
  try {
    parseCsv(source, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      relax_quotes: true,
      on_record: (record, { lines }) => {
        records.push({ record, lines });
        return record;
      },
    });
  } catch (error) {
    if (error instanceof CsvError) throw new AccountFileError(`not valid CSV: ${error.message}`);
    throw error;
  }
  const [header, ...rows] = records;
  if (!header) throw new AccountFileError(`empty file: expected the header ${CSV_COLUMNS.join(',')}`);
  const columns = header.record.map((name) => name.trim());
  checkHeader(columns);
  return rows.map(({ record, lines }) => {
    // A quoted field may span lines; the record starts as many lines above its last line as it holds line breaks.
    const line = lines - record.reduce((count, field) => count + (field.match(/\n/g)?.length ?? 0), 0);
    const customerNumber = record[columns.indexOf('customerNumber')]?.trim() || undefined;
    if (record.length !== columns.length) {
      return { line, reason: `expected ${columns.length} fields, found ${record.length}`, customerNumber };
    }
    const plans = csvPlans(record[columns.indexOf('plans')] ?? '');
    if (typeof plans === 'string') return { line, reason: plans, customerNumber };
    return { line, value: csvRecordToAccount(columns, record, plans) };
  });
}

function checkHeader(columns: readonly string[]): void {
  const known: readonly string[] = [...CSV_COLUMNS, ...CSV_OPTIONAL_COLUMNS];
  const problems = [
    ...CSV_COLUMNS.filter((name) => !columns.includes(name)).map((name) => `missing column ${name}`),
    ...columns.filter((name) => !known.includes(name)).map((name) => `unknown column "${name}"`),
    ...columns.filter((name, i) => columns.indexOf(name) !== i).map((name) => `column ${name} appears twice`),
  ];
  if (problems.length > 0) {
    throw new AccountFileError(`header: ${problems.join('; ')} (expected ${CSV_COLUMNS.join(',')})`);
  }
}

function csvRecordToAccount(
  columns: readonly string[],
  record: readonly string[],
  plans: unknown[],
): Record<string, unknown> {
  const { email, contactName, ...fields } = Object.fromEntries(columns.map((name, i) => [name, record[i] ?? '']));
  const account: Record<string, unknown> = { ...fields, plans, contacts: [{ email, name: contactName }] };
  // An empty status cell means "not given", as an absent key does in JSON.
  if (fields.status !== undefined && fields.status.trim() === '') delete account.status;
  return account;
}

/** `support=2027-06-30;enhancement=2026-12-31` → plan objects for validation, or why the cell is malformed. */
function csvPlans(cell: string): unknown[] | string {
  const entries = cell
    .split(';')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const malformed = entries.find((entry) => !entry.includes('='));
  if (malformed !== undefined) return `plans: "${malformed}" must be written type=YYYY-MM-DD`;
  return entries.map((entry) => {
    const equals = entry.indexOf('=');
    return { type: entry.slice(0, equals), expiresAt: entry.slice(equals + 1) };
  });
}
