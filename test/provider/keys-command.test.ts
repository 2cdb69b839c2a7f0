import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readKeyFile, rotateKeys } from '../../src/provider/signing-keys.ts';
import { baseConfigDocument, temporaryKeyFile } from '../support/config.ts';

const SCRIPT = resolve('scripts/keys.ts');

/** `npm run keys -- …` as an operator runs it: in a directory of its own, so a stray default path would show. */
function keys(args: string[], env: Record<string, string> = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'ib-keys-cwd-'));
  const result = spawnSync(process.execPath, [SCRIPT, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { ...result, cwd };
}

function configFile(document: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ib-config-')), 'broker.yaml');
  writeFileSync(file, JSON.stringify(document));
  return file;
}

describe('npm run keys', () => {
  it('uses keys.file of BROKER_CONFIG', () => {
    const file = temporaryKeyFile();
    const run = keys(['generate'], { BROKER_CONFIG: configFile(baseConfigDocument({ keys: { file } })) });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^created .* with RS256 key \S+ and ES256 key \S+\n$/);
    expect(readKeyFile(file)?.keys.map((k) => k.alg)).toEqual(['RS256', 'ES256']);
  });

  it('fails with one clear line when the configuration cannot be read, and writes no key anywhere', () => {
    const unsetSecret = baseConfigDocument({ cookieKeys: ['${COOKIE_KEY_THAT_IS_NOT_SET}'] });
    for (const BROKER_CONFIG of ['/nonexistent/broker.yaml', configFile(unsetSecret)]) {
      const run = keys(['rotate'], { BROKER_CONFIG });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(
          `^cannot find keys\\.file: the configuration ${BROKER_CONFIG} is not usable \\(.+\\); fix it, or name the file with --file PATH\n$`,
        ),
      );
      expect(run.stderr).toMatch(/BROKER_CONFIG: cannot read|COOKIE_KEY_THAT_IS_NOT_SET/);
      expect(run.stdout).toBe('');
      expect(existsSync(join(run.cwd, '.data'))).toBe(false);
    }
  });

  it('--help explains the commands without a stack trace', () => {
    const run = keys(['--help'], { BROKER_CONFIG: '/nonexistent' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^usage: npm run keys -- <command>/);
    for (const command of ['generate', 'rotate', 'list', 'retire', '--force']) expect(run.stdout).toContain(command);
    const unknown = keys(['--bogus'], { BROKER_CONFIG: '/nonexistent' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
  });

  it('list shows algorithm, use, created and retired dates, and which key signs', async () => {
    const file = temporaryKeyFile();
    expect(keys(['generate', '--file', file]).status).toBe(0);
    await rotateKeys(file, ['ES256'], new Date('2026-03-04T10:00:00Z'));
    const lines = keys(['list', '--file', file]).stdout.trim().split('\n');
    const today = new Date().toISOString().slice(0, 10);
    expect(lines[0]).toMatch(/^alg\s+use\s+created\s+status\s+kid$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 5).join(' '))).toEqual([
      'ES256 sig 2026-03-04 signs ' + readKeyFile(file)!.keys[0]!.kid,
      `RS256 sig ${today} signs ${readKeyFile(file)!.keys[1]!.kid}`,
      `ES256 sig ${today} retired 2026-03-04`,
    ]);
  });

  it('retire refuses keys that may still verify live tokens unless --force, and never removes a signing key', () => {
    const file = temporaryKeyFile();
    expect(keys(['generate', '--file', file]).status).toBe(0);
    expect(keys(['rotate', '--alg', 'RS256', '--file', file]).status).toBe(0);

    const refused = keys(['retire', '--file', file]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /^nothing removed; these keys may still verify live tokens \(--force removes them anyway\):\n {2}RS256 \S+: retired \d{4}-\d\d-\d\d, tokens it signed may be presented until /,
    );
    expect(readKeyFile(file)?.keys).toHaveLength(3);

    const forced = keys(['retire', '--force', '--file', file]);
    expect(forced.status).toBe(0);
    expect(forced.stdout).toMatch(/^removed RS256 /);
    // What is left still signs both algorithms: the broker starts and sign-ins work after a retire.
    expect(
      readKeyFile(file)
        ?.keys.map((k) => k.alg)
        .sort(),
    ).toEqual(['ES256', 'RS256']);
  });
});
