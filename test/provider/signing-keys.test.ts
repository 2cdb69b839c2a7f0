import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { SignJWT, createLocalJWKSet, importJWK, jwtVerify, type JWK } from 'jose';
import { loadSigningKeys, readKeyFile, retireKeys, rotateKeys } from '../../src/provider/signing-keys.ts';
import { temporaryKeyFile } from '../support/config.ts';

function publicOf({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest }: JWK): JWK {
  return rest;
}

async function sign(key: JWK): Promise<string> {
  return new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: key.alg ?? '', kid: key.kid ?? '' }).sign(await importJWK(key));
}

describe('signing keys', () => {
  it('refuses to start without a key file unless told to create one', async () => {
    const file = temporaryKeyFile();
    await expect(loadSigningKeys(file, { algorithm: 'ES256', generateIfMissing: false })).rejects.toThrow(
      /^keys\.file: .* does not exist \(create it with: npm run keys -- generate\)$/,
    );
    const created = await loadSigningKeys(file, { algorithm: 'ES256', generateIfMissing: true });
    expect(created.keys[0]).toMatchObject({ alg: 'ES256', use: 'sig', kty: 'EC' });
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(await loadSigningKeys(file, { algorithm: 'ES256', generateIfMissing: true })).toEqual(created);
  });

  it('rotation puts the new key first while tokens of the old key still verify; retire drops the old one', async () => {
    const file = temporaryKeyFile();
    const { keys: [old] } = await loadSigningKeys(file, { algorithm: 'ES256', generateIfMissing: true });
    const oldToken = await sign(old!);
    const fresh = await rotateKeys(file, 'RS256');
    const keys = readKeyFile(file)?.keys ?? [];
    expect(keys.map((k) => k.kid)).toEqual([fresh.kid, old!.kid]);
    const jwks = createLocalJWKSet({ keys: keys.map(publicOf) });
    await expect(jwtVerify(oldToken, jwks)).resolves.toBeDefined();
    await expect(jwtVerify(await sign(fresh), jwks)).resolves.toBeDefined();

    expect(retireKeys(file, 1).map((k) => k.kid)).toEqual([old!.kid]);
    await expect(jwtVerify(oldToken, createLocalJWKSet({ keys: (readKeyFile(file)?.keys ?? []).map(publicOf) }))).rejects.toThrow();
  });

  it('npm run keys -- generate creates the file and refuses to overwrite it', () => {
    const file = temporaryKeyFile();
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['scripts/keys.ts', ...args, '--file', file], { encoding: 'utf8', env: { ...process.env, BROKER_CONFIG: '/nonexistent' } });
    const first = run('generate', '--alg', 'RS256');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^created .* with RS256 key /);
    const second = run('generate');
    expect(second.status).toBe(1);
    expect(second.stderr).toContain('already holds keys');
    expect(run('list').stdout).toMatch(/^signs {2}RS256 /);
  });
});
