/**
 * A bounded map of reads whose answers expire: concurrent reads of one key share one query while it runs, and its
 * answer for `ttlMs` after. A failed read is never kept, nor one still running when `clear()` is called.
 */
export class ExpiringReads<T> {
  readonly #entries = new Map<string, { at: number; value: Promise<T> }>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(ttlMs: number, max: number, now: () => number) {
    this.#ttlMs = ttlMs;
    this.#max = max;
    this.#now = now;
  }

  /**
   * `keep` says whether an answer may be reused once it has arrived. A "not found" is not: it changes the moment a
   * link is made, so it serves only the requests that were already waiting for it.
   */
  get(key: string, read: () => Promise<T>, keep: (value: T) => boolean = () => true): Promise<T> {
    const now = this.#now();
    const entry = this.#entries.get(key);
    if (entry && now - entry.at < this.#ttlMs) return entry.value;
    this.#entries.delete(key);
    if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value as string);
    const value = read();
    this.#entries.set(key, { at: now, value });
    const drop = () => this.#entries.get(key)?.value === value && this.#entries.delete(key);
    value.then((answer) => keep(answer) || drop(), drop);
    return value;
  }

  /** Forgets every answer; a read still running is not kept when it ends either. */
  clear(): void {
    this.#entries.clear();
  }
}
