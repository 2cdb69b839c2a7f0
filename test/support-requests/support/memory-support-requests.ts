import type { NewSupportRequest, SupportRequest } from '../../../src/support-requests/support-requests.ts';

/** Support requests in memory, for tests of what is built on them; held to the same contract as MongoDB. */
export class MemorySupportRequests {
  readonly #requests = new Map<string, SupportRequest>();
  #ids = 0;
  async open(fields: NewSupportRequest, at: Date): Promise<SupportRequest> {
    const id = (this.#ids += 1).toString(16).padStart(24, '0');
    const request: SupportRequest = {
      ...fields,
      id,
      createdAt: at,
      status: 'open',
      resolvedAt: null,
      resolvedBy: null,
    };
    this.#requests.set(id, request);
    return { ...request };
  }
  async list(status: SupportRequest['status'], limit: number): Promise<SupportRequest[]> {
    return [...this.#requests.values()]
      .filter((r) => r.status === status)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id))
      .slice(0, limit)
      .map((r) => ({ ...r }));
  }
  async find(id: string): Promise<SupportRequest | null> {
    const found = this.#requests.get(id);
    return found ? { ...found } : null;
  }
  async resolve(id: string, at: Date, by: string): Promise<void> {
    const found = this.#requests.get(id);
    if (found?.status === 'open')
      this.#requests.set(id, { ...found, status: 'resolved', resolvedAt: at, resolvedBy: by });
  }
}
