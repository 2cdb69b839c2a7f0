import { Types } from 'mongoose';
import { hashLinkToken, newLinkToken } from '../../../src/linking/link-token.ts';
import type { DisownLinks } from '../../../src/linking/ports.ts';

// The contract of the "This wasn't me" links, run unchanged against MongoDB and the in-memory store.

const at = new Date('2026-12-01T10:00:00Z');
const link = () => ({
  associationId: new Types.ObjectId().toHexString(),
  personId: new Types.ObjectId().toHexString(),
  createdAt: at,
  expiresAt: new Date(at.getTime() + 14 * 86_400_000),
});

export function disownLinksConformance(
  name: string,
  open: () => Promise<{ links: DisownLinks; close(): Promise<void> }>,
) {
  describe(`"This wasn't me" links conformance: ${name}`, () => {
    let links: DisownLinks;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ links, close } = await open());
    });
    afterAll(() => close());

    it('finds a link by its token, as it was stored; nothing for another token', async () => {
      const token = newLinkToken();
      const stored = link();
      await links.create(stored, hashLinkToken(token));
      expect(await links.findByToken(token)).toEqual(stored);
      expect(await links.findByToken(newLinkToken())).toBeNull();
      expect(await links.findByToken('')).toBeNull();
    });

    it('keeps one link per token: a second one under the same hash is refused', async () => {
      const token = newLinkToken();
      const first = link();
      await links.create(first, hashLinkToken(token));
      await expect(links.create(link(), hashLinkToken(token))).rejects.toThrow();
      expect(await links.findByToken(token)).toEqual(first);
    });

    it('keeps a link past its expiry: expiry is judged by the flow when it is used', async () => {
      const token = newLinkToken();
      const expired = { ...link(), expiresAt: new Date(at.getTime() - 1) };
      await links.create(expired, hashLinkToken(token));
      expect((await links.findByToken(token))?.expiresAt).toEqual(expired.expiresAt);
    });
  });
}
