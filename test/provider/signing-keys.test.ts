import { statSync } from 'node:fs';
import { SignJWT, createLocalJWKSet, importJWK, jwtVerify, type JWK } from 'jose';
import {
  loadSigningKeys,
  providerJwks,
  readKeyFile,
  requiredAlgorithms,
  retireKeys,
  rotateKeys,
  signingKeyOf,
  createKeyFile,
  writeKeyFile,
} from '../../src/provider/signing-keys.ts';
import { KEY_RETENTION_SECONDS } from '../../src/provider/token-lifetimes.ts';
import { temporaryKeyFile } from '../support/config.ts';

const BOTH = requiredAlgorithms({ keys: { file: '', algorithm: 'ES256', generateIfMissing: false }, clients: [] });

function publicOf({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest }: JWK): JWK {
  return rest;
}

async function sign(key: JWK): Promise<string> {
  return new SignJWT({ sub: 'x' })
    .setProtectedHeader({ alg: key.alg ?? '', kid: key.kid ?? '' })
    .sign(await importJWK(key));
}

const verifierOf = (file: string) => createLocalJWKSet({ keys: providerJwks(readKeyFile(file)!).keys.map(publicOf) });

describe('signing keys', () => {
  it('refuses to start without a key file unless told to create one, and then creates an RS256 and an ES256 key', async () => {
    const file = temporaryKeyFile();
    await expect(loadSigningKeys(file, { required: BOTH, generateIfMissing: false })).rejects.toThrow(
      /^keys\.file: .* does not exist \(create it with: npm run keys -- generate\)$/,
    );
    const created = await loadSigningKeys(file, { required: BOTH, generateIfMissing: true });
    expect(created.keys.map((k) => [k.alg, k.use])).toEqual([
      ['RS256', 'sig'],
      ['ES256', 'sig'],
    ]);
    expect(created.keys.every((k) => k.created && Date.parse(k.created) <= Date.now())).toBe(true);
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(await loadSigningKeys(file, { required: BOTH, generateIfMissing: true })).toEqual(created);
  });

  it('refuses to start, naming the file and the key that needs it, when an algorithm in use has no signing key', async () => {
    const file = temporaryKeyFile();
    await createKeyFile(file, ['ES256']);
    const rs256Portal = requiredAlgorithms({
      keys: { file, algorithm: 'ES256', generateIfMissing: true },
      clients: [{ idTokenSignedResponseAlg: undefined }, { idTokenSignedResponseAlg: 'RS256' }] as never,
    });
    expect(rs256Portal.get('RS256')).toBe('OpenID Connect Discovery (RS256 is mandatory)');
    await expect(loadSigningKeys(file, { required: rs256Portal, generateIfMissing: false })).rejects.toThrow(
      `keys.file: ${file} has no RS256 signing key, needed by OpenID Connect Discovery (RS256 is mandatory) (add one with: npm run keys -- rotate --alg RS256)`,
    );
    // Where the configuration allows creating keys (the demo, tests), the missing one is added instead.
    const completed = await loadSigningKeys(file, { required: rs256Portal, generateIfMissing: true });
    expect(completed.keys.map((k) => k.alg)).toEqual(['RS256', 'ES256']);
    expect(readKeyFile(file)).toEqual(completed);
    const onlyEs256 = new Map([['ES256', 'keys.algorithm']] as const);
    await expect(loadSigningKeys(file, { required: onlyEs256, generateIfMissing: false })).resolves.toBeDefined();
  });

  it('rotation signs with the new key while tokens of the replaced key still verify', async () => {
    const file = temporaryKeyFile();
    const { keys } = await createKeyFile(file, ['RS256', 'ES256']);
    const oldEs256 = keys.find((k) => k.alg === 'ES256')!;
    const oldToken = await sign(oldEs256);

    const [fresh] = await rotateKeys(file, ['ES256']);
    const after = readKeyFile(file)!;
    expect(signingKeyOf(after, 'ES256')?.kid).toBe(fresh!.kid);
    expect(signingKeyOf(after, 'RS256')?.kid).toBe(keys[0]!.kid);
    expect(after.keys.find((k) => k.kid === oldEs256.kid)?.retired).toBeDefined();
    // oidc-provider signs with the first key of an algorithm: the new one comes before the retired one.
    const providerOrder = providerJwks(after)
      .keys.filter((k) => k.alg === 'ES256')
      .map((k) => k.kid);
    expect(providerOrder).toEqual([fresh!.kid, oldEs256.kid]);
    expect(providerJwks(after).keys.every((k) => !('created' in k) && !('retired' in k))).toBe(true);
    await expect(jwtVerify(oldToken, verifierOf(file))).resolves.toBeDefined();
  });

  it('retire refuses a key that may still verify live tokens, removes nothing then, and removes it when forced or old enough', async () => {
    const file = temporaryKeyFile();
    const rotatedAt = new Date('2026-01-01T00:00:00Z');
    const { keys } = await createKeyFile(file, ['RS256', 'ES256'], new Date('2025-12-01T00:00:00Z'));
    const oldToken = await sign(keys[1]!);
    await rotateKeys(file, ['RS256', 'ES256'], rotatedAt);

    const tooSoon = new Date(rotatedAt.getTime() + (KEY_RETENTION_SECONDS - 60) * 1000);
    const refused = retireKeys(file, { keep: 0, force: false, now: tooSoon });
    expect(refused.removed).toEqual([]);
    expect(refused.refused.map(({ key }) => key.kid).sort()).toEqual(keys.map((k) => k.kid).sort());
    expect(readKeyFile(file)!.keys).toHaveLength(4);

    const later = new Date(rotatedAt.getTime() + KEY_RETENTION_SECONDS * 1000);
    const retired = retireKeys(file, { keep: 0, force: false, now: later });
    expect(retired.removed.map((k) => k.kid).sort()).toEqual(keys.map((k) => k.kid).sort());
    await expect(jwtVerify(oldToken, verifierOf(file))).rejects.toThrow();
    // The keys that sign are never removed, whatever --keep and --force say.
    expect(retireKeys(file, { keep: 0, force: true }).removed).toEqual([]);
    expect(
      readKeyFile(file)!
        .keys.map((k) => k.alg)
        .sort(),
    ).toEqual(['ES256', 'RS256']);
  });

  it('a key retired at an unknown date (a file from before dates were kept) is removed only when forced', async () => {
    const file = temporaryKeyFile();
    const { keys } = await createKeyFile(file, ['ES256']);
    const [legacyOld] = await rotateKeys(file, ['ES256']);
    // Written by the earlier tool: two ES256 keys, no dates, the first one signs.
    const legacy = { keys: [legacyOld, keys[0]].map((k) => ({ ...k!, created: undefined, retired: undefined })) };
    writeKeyFile(file, JSON.parse(JSON.stringify(legacy)));
    expect(retireKeys(file, { keep: 0, force: false }).refused.map((r) => [r.key.kid, r.removableFrom])).toEqual([
      [keys[0]!.kid, undefined],
    ]);
    expect(retireKeys(file, { keep: 0, force: true }).removed.map((k) => k.kid)).toEqual([keys[0]!.kid]);
  });
});
