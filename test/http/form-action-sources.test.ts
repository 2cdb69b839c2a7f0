import { formActionSource } from '../../src/http/middleware/security-headers.ts';

describe("the CSP form-action source of a portal's redirect target", () => {
  it('is the origin of a web redirect URI', () => {
    expect(formActionSource('https://customersource.example.com/callback')).toBe('https://customersource.example.com');
  });

  it("is the loopback host with any port for a native app's loopback redirect (RFC 8252 7.3)", () => {
    expect(formActionSource('http://127.0.0.1/callback')).toBe('http://127.0.0.1:*');
    expect(formActionSource('http://[::1]:8400/cb')).toBe('http://[::1]:*');
  });

  it('is the scheme of a private-use URI scheme redirect (RFC 8252 7.1), which has no origin', () => {
    expect(formActionSource('com.example.portal:/oauth2redirect')).toBe('com.example.portal:');
  });
});
