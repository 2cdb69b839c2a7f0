import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { runCheck } from '../../src/check/check-command.ts';
import { warnAboutUpstreams } from '../../src/check/upstream-warnings.ts';
import { parseConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/log/logger.ts';
import { generateSigningKey, writeKeyFile } from '../../src/provider/signing-keys.ts';
import { closeServer, listenOnLoopback } from '../parties/loopback-server.ts';
import { baseConfigDocument, temporaryKeyFile } from '../support/config.ts';
import { REDIS_URL, uniqueMongoUri } from '../support/stores.ts';

const MICROSOFT_CONSUMERS_ISSUER_PATH = '/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0';

/** A discovery server on loopback that answers every path with a document naming `issuer(its own URL)`. */
async function discoveryServer(issuer: (url: string) => string): Promise<{ server: Server; url: string }> {
  const { server, url } = await listenOnLoopback();
  server.on('request', (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        issuer: issuer(url),
        authorization_endpoint: `${url}/auth`,
        token_endpoint: `${url}/token`,
        jwks_uri: `${url}/jwks`,
      }),
    );
  });
  return { server, url };
}

/** A loopback port nobody listens on (taken, then given back). */
async function unusedPort(): Promise<number> {
  const { server, url } = await listenOnLoopback();
  await closeServer(server);
  return Number(new URL(url).port);
}

function writeConfig(document: Record<string, unknown>): string {
  const file = join(tmpdir(), `ib-check-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(document));
  return file;
}

async function check(document: Record<string, unknown>, env: Record<string, string> = {}) {
  const lines: string[] = [];
  const code = await runCheck(
    { BROKER_CONFIG: writeConfig(document), MONGODB_URI: uniqueMongoUri('ib_check'), REDIS_URL, ...env },
    { out: (line) => lines.push(line), error: (line) => lines.push(line) },
  );
  return { code, output: lines.join('\n') };
}

const servers: Server[] = [];
afterAll(() => Promise.all(servers.map(closeServer)));

async function goodUpstream(): Promise<Record<string, unknown>> {
  const good = await discoveryServer((url) => url);
  servers.push(good.server);
  return { id: 'demo', name: 'Demo ID', issuer: good.url, clientId: 'broker', clientSecret: 's' };
}

describe('npm run check', () => {
  it('says the configuration is fine, and exits 0, when everything it names answers', async () => {
    const { code, output } = await check(baseConfigDocument({ upstreams: [await goodUpstream()] }));
    expect(output).toContain('configuration OK');
    expect(code).toBe(0);
  });

  it('names the issuer the discovery document gives, and type: microsoft, for a Microsoft-shaped generic upstream', async () => {
    const microsoft = await discoveryServer((url) => `${url}${MICROSOFT_CONSUMERS_ISSUER_PATH}`);
    servers.push(microsoft.server);
    const configured = `${microsoft.url}/consumers/v2.0`;
    const { code, output } = await check(
      baseConfigDocument({
        upstreams: [
          { id: 'msa', name: 'Microsoft account', type: 'oidc', issuer: configured, clientId: 'c', clientSecret: 's' },
        ],
      }),
    );
    expect(output).toContain(
      `upstreams[0].issuer: the discovery document ${configured}/.well-known/openid-configuration names issuer ${microsoft.url}${MICROSOFT_CONSUMERS_ISSUER_PATH}`,
    );
    expect(output).toContain(
      `fix: type: microsoft (and drop issuer), or issuer: ${microsoft.url}${MICROSOFT_CONSUMERS_ISSUER_PATH}, discoveryUrl: ${configured}/.well-known/openid-configuration`,
    );
    expect(code).toBe(1);
  });

  it('names the issuer and the discovery URL to write for any other upstream whose document names another issuer', async () => {
    const aliased = await discoveryServer((url) => `${url}/realms/customers`);
    servers.push(aliased.server);
    const { code, output } = await check(
      baseConfigDocument({
        upstreams: [
          { id: 'acme', name: 'Acme ID', issuer: `${aliased.url}/tenants/customers`, clientId: 'c', clientSecret: 's' },
        ],
      }),
    );
    expect(output).toContain(
      `fix: issuer: ${aliased.url}/realms/customers, discoveryUrl: ${aliased.url}/tenants/customers/.well-known/openid-configuration`,
    );
    expect(output).not.toContain('type: microsoft');
    expect(code).toBe(1);
  });

  it('says which discovery document cannot be fetched', async () => {
    const port = await unusedPort();
    const { code, output } = await check(
      baseConfigDocument({
        upstreams: [
          { id: 'gone', name: 'Gone ID', issuer: `http://127.0.0.1:${port}`, clientId: 'c', clientSecret: 's' },
        ],
      }),
    );
    expect(output).toContain(
      `upstreams[0].issuer: the discovery document http://127.0.0.1:${port}/.well-known/openid-configuration cannot be fetched (ECONNREFUSED)`,
    );
    expect(output).toContain('fix: check the provider');
    expect(code).toBe(1);
  });

  it('names a key file without an RS256 key and the command that adds one', async () => {
    const file = temporaryKeyFile();
    writeKeyFile(file, { keys: [await generateSigningKey('ES256')] });
    const { code, output } = await check(
      baseConfigDocument({ upstreams: [await goodUpstream()], keys: { file, generateIfMissing: false } }),
    );
    expect(output).toContain(
      `keys.file: ${file} has no RS256 signing key, needed by OpenID Connect Discovery (RS256 is mandatory) -> fix: npm run keys -- rotate --alg RS256`,
    );
    expect(code).toBe(1);
  });

  it('names a Redis URL nobody answers at', async () => {
    const port = await unusedPort();
    const { code, output } = await check(baseConfigDocument({ upstreams: [await goodUpstream()] }), {
      REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    expect(output).toContain(`redis.url: nothing answers at redis://127.0.0.1:${port}`);
    expect(output).toContain('fix: start Redis there, or set redis.url (or REDIS_URL) to where it runs');
    expect(code).toBe(1);
  });

  it('names a MongoDB URI nobody answers at', async () => {
    const port = await unusedPort();
    const { code, output } = await check(baseConfigDocument({ upstreams: [await goodUpstream()] }), {
      MONGODB_URI: `mongodb://127.0.0.1:${port}/ib`,
    });
    expect(output).toContain(`mongodb.uri: nothing answers at mongodb://127.0.0.1:${port}/ib`);
    expect(code).toBe(1);
  });

  it("names a web portal's plain-http redirect URI and a dev mail transport on a public issuer", async () => {
    const { code, output } = await check(
      baseConfigDocument({
        upstreams: [await goodUpstream()],
        issuer: 'https://login.example.com',
        trustProxy: 1,
        clients: [
          {
            clientId: 'portal',
            clientSecret: 'portal-secret-0123456789',
            name: 'Portal',
            redirectUris: ['http://portal.example.com/callback'],
          },
        ],
      }),
    );
    expect(output).toContain(
      'clients[0].redirectUris[0]: http://portal.example.com/callback is plain http off loopback: codes and sessions would travel in clear -> fix: https://portal.example.com/callback',
    );
    expect(output).toContain('mail.transport: dev sends no e-mail');
    expect(code).toBe(1);
  });

  it('reports an invalid file one line per key, as the broker does, and exits 1', async () => {
    const { code, output } = await check(baseConfigDocument({ issuer: 'not a url' }));
    expect(output).toContain('  issuer: must be a URL');
    expect(code).toBe(1);
  });

  it('runs as npm start -- --check, printing its fix and exiting non-zero', async () => {
    const port = await unusedPort();
    const child = spawn(process.execPath, ['src/main.ts', '--check'], {
      env: {
        ...process.env,
        BROKER_CONFIG: writeConfig(baseConfigDocument({ upstreams: [await goodUpstream()] })),
        MONGODB_URI: uniqueMongoUri('ib_check'),
        REDIS_URL: `redis://127.0.0.1:${port}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(stderr).toContain(`redis.url: nothing answers at redis://127.0.0.1:${port}`);
    expect(code).toBe(1);
  }, 30_000);
});

describe('the upstream checks at broker start', () => {
  it('log each upstream with a problem once, at warn, with its fix', async () => {
    const port = await unusedPort();
    const lines: Array<{ level: number; msg: string; key?: string; fix?: string }> = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
          done();
        },
      }),
    );
    const good = await goodUpstream();
    const config = parseConfig(
      baseConfigDocument({
        upstreams: [
          good,
          { id: 'gone', name: 'Gone ID', issuer: `http://127.0.0.1:${port}`, clientId: 'c', clientSecret: 's' },
        ],
      }),
      {},
    );
    await warnAboutUpstreams(config, logger);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      key: 'upstreams[1].issuer',
      fix: expect.stringContaining('check the provider'),
    });
    expect(lines[0]!.msg).toContain(`http://127.0.0.1:${port}/.well-known/openid-configuration cannot be fetched`);
  });
});
