import { createRequire } from 'node:module';
import { cookieSigner } from '../../src/security/cookie-signatures.ts';

// Keygrip, which koa and oidc-provider would use otherwise: cookies it signed must stay valid, and the reverse.
const Keygrip = createRequire(import.meta.url)('keygrip') as (keys: string[]) => { sign(data: string): string };

describe('cookie signatures', () => {
  const values = ['_session=abc', 'state=é/+=?', ''];

  it('signs exactly as Keygrip does, so cookies issued before stay valid', () => {
    for (const data of values)
      expect(cookieSigner(['current', 'previous']).sign(data)).toBe(Keygrip(['current']).sign(data));
  });

  it('accepts a signature of any configured key and says which, refuses anything else', () => {
    const signer = cookieSigner(['current', 'previous']);
    for (const data of values) {
      expect(signer.index(data, Keygrip(['current']).sign(data))).toBe(0);
      expect(signer.index(data, Keygrip(['previous']).sign(data))).toBe(1);
      expect(signer.verify(data, Keygrip(['retired']).sign(data))).toBe(false);
      expect(signer.verify(data, `${signer.sign(data)}x`)).toBe(false);
      expect(signer.verify(`${data}x`, signer.sign(data))).toBe(false);
    }
  });
});
