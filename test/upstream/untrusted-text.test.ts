import { DISPLAY_TEXT_MAX, displayText, upstreamAddress } from '../../src/upstream/untrusted-text.ts';

describe('text from an upstream provider', () => {
  it('keeps an ordinary name as it is', () => {
    expect(displayText('Zoë Example')).toBe('Zoë Example');
  });

  it('bounds a 10 kB name to a few dozen characters, marked as cut', () => {
    const shown = displayText('A'.repeat(10_000));
    expect([...(shown ?? '')]).toHaveLength(DISPLAY_TEXT_MAX);
    expect(shown?.endsWith('…')).toBe(true);
  });

  it('cuts a phishing sentence before its call to action', () => {
    const shown = displayText(
      'IMPORTANT: your account is locked - call +1 555 0100 or visit https://evil.example/unlock',
    );
    expect(shown).not.toContain('evil.example');
    expect(shown).not.toContain('555 0100');
  });

  it('removes line breaks, controls and bidirectional overrides that make text read differently', () => {
    expect(displayText('Bob\r\nSubject: hi')).toBe('Bob Subject: hi');
    expect(displayText('abc\u202Egnp.exe')).toBe('abcgnp.exe');
    expect(displayText('a\u200Bdmin\u2066x\u2069')).toBe('adminx');
  });

  it('gives nothing for an empty, invisible-only or non-text value', () => {
    expect(displayText('  \u200B ')).toBeUndefined();
    expect(displayText(42)).toBeUndefined();
    expect(displayText(undefined)).toBeUndefined();
  });

  it('accepts a plausible address in lower case and refuses what is not one', () => {
    expect(upstreamAddress('Zoe@Example.NET')).toBe('zoe@example.net');
    expect(upstreamAddress('not an address')).toBeUndefined();
    expect(upstreamAddress(`${'a'.repeat(250)}@example.net`)).toBeUndefined();
    expect(upstreamAddress('zoe\u202E@example.net')).toBeUndefined();
    expect(upstreamAddress(['zoe@example.net'])).toBeUndefined();
  });
});
