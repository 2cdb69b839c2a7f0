/**
 * A duplicate-key error from an insert. Detected by code alone: FerretDB's E11000 errors carry no `keyValue`, and
 * duplicate keys from updates come back as internal errors there (see FERRETDB.md), so inserts are the guard.
 */
export function isDuplicateKeyError(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 11000;
}

/** Hides credentials in a connection URL (`mongodb://user:pw@host` → `mongodb://***@host`) for logs and messages. */
export function redactCredentials(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
