import { isIpLiteralHost, isPrivateNetworkAddress } from '../../src/security/private-addresses.ts';

describe('isPrivateNetworkAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '[::1]',
    '::',
    'fd12:3456::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '64:ff9b::a00:1',
    'not-an-address',
  ])('counts %s as private (not a public host)', (address) => {
    expect(isPrivateNetworkAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'counts %s as public',
    (address) => {
      expect(isPrivateNetworkAddress(address)).toBe(false);
    },
  );
});

describe('isIpLiteralHost', () => {
  it('tells an IP literal (including the forms URL normalises) from a name', () => {
    expect(isIpLiteralHost(new URL('https://10.0.0.1/'))).toBe(true);
    expect(isIpLiteralHost(new URL('https://[::1]:8443/'))).toBe(true);
    expect(isIpLiteralHost(new URL('https://2130706433/'))).toBe(true);
    expect(isIpLiteralHost(new URL('https://crm.example.com/'))).toBe(false);
  });
});
