import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';

// No Docker engine runs here: these read the files an engine would, and run the image's entry point in the checkout.
interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: string[] };
}
const compose = parseYaml(readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, ComposeService> };
const dockerfile = readFileSync('Dockerfile', 'utf8');
const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

/** The `${VAR}` the example configuration uses outside comments: the secrets a deployment of it must provide. */
function secretsOfExample(): string[] {
  const lines = readFileSync('config/broker.example.yaml', 'utf8')
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, ''));
  return [...new Set(lines.flatMap((line) => [...line.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1] ?? '')))];
}

function entrypoint(...args: string[]) {
  // The image's Node is 24; here the one running the tests is put first on PATH.
  const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
  return spawnSync('sh', ['docker/entrypoint.sh', ...args], { env, encoding: 'utf8', timeout: 20_000 });
}

describe('the production image and docker-compose.yml', () => {
  it('passes the broker every secret the example configuration names', () => {
    const secrets = secretsOfExample();
    expect(secrets).toContain('COOKIE_KEY');
    const environment = compose.services.broker?.environment ?? {};
    for (const secret of secrets)
      expect([secret, environment[secret]]).toEqual([secret, expect.stringContaining(`\${${secret}`)]);
  });

  it('runs Redis with an append-only file on a volume, MongoDB on a volume, and every service with a healthcheck', () => {
    const { redis, mongo } = compose.services;
    expect(redis?.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(redis?.volumes).toEqual([expect.stringMatching(/^redis-data:\/data$/)]);
    expect(mongo?.volumes).toEqual([expect.stringMatching(/^mongo-data:\/data\/db$/)]);
    for (const [name, service] of Object.entries(compose.services))
      expect([name, service.healthcheck?.test.length]).toEqual([name, expect.any(Number)]);
  });

  it('runs as an unprivileged user, through the entry point that knows the product commands', () => {
    const user = /^USER\s+(\S+)/m.exec(finalStage)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(finalStage).toMatch(/^ENTRYPOINT \["\/app\/docker\/entrypoint\.sh"\]$/m);
    // What the entry point runs is in the image.
    for (const file of ['docker/entrypoint.sh', 'scripts/keys.ts', 'src']) expect(finalStage).toContain(file);
    expect(finalStage).toContain('COPY --from=build /app/dist ./dist');
  });

  it('maps `keys ...` and `accounts ...` to the commands npm runs in a checkout', () => {
    const keys = entrypoint('keys', '--help');
    expect(keys.status).toBe(0);
    expect(keys.stdout).toMatch(/^usage: npm run keys/m);
    const accounts = entrypoint('accounts');
    expect(`${accounts.stdout}${accounts.stderr}`).toMatch(/usage: npm run accounts -- import FILE/);
  });
});
