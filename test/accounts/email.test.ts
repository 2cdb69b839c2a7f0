import { normalizeEmail } from '../../src/accounts/email.ts';

describe('normalizeEmail', () => {
  it('lower-cases the whole address, local part included', () => {
    expect(normalizeEmail('Ada.Lovelace@Example.COM')).toBe('ada.lovelace@example.com');
  });

  it('ignores spaces around the address', () => {
    expect(normalizeEmail('  ada@example.com \t\n')).toBe('ada@example.com');
  });

  it('makes a combining accent equal to the precomposed letter (NFC)', () => {
    const combining = 'rene\u0301@example.com';
    const precomposed = 'ren\u00e9@example.com';
    expect(combining).not.toBe(precomposed);
    expect(normalizeEmail(combining)).toBe(precomposed);
    expect(normalizeEmail('REN\u0045\u0301@example.com')).toBe(precomposed);
  });
});
