import { brokerTranslator } from '../support/config.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { createApp } from '../../src/http/app.ts';
import { devMailboxRoutes } from '../../src/http/routes/dev-mailbox.ts';
import { createViewRenderer } from '../../src/web/views.ts';
import { createDevTransport } from '../../src/mail/dev-transport.ts';
import { createMailRenderer } from '../../src/mail/mail-renderer.ts';
import { Outbox } from '../../src/mail/outbox.ts';
import { OutboxWorker } from '../../src/mail/outbox-worker.ts';
import { openTestMongo, silentLogger, type TestMongo } from '../support/stores.ts';

const VIEWS = join(dirname(fileURLToPath(import.meta.url)), '../../views');
const LINK = 'http://127.0.0.1:3000/link?token=dev_token_0123456789';

describe('dev transport and dev mailbox', () => {
  let mongo: TestMongo;
  let outbox: Outbox;
  let server: Server;
  let base: string;
  let id: string;

  beforeAll(async () => {
    mongo = await openTestMongo();
    outbox = new Outbox(mongo.connection, { sealingKeys: ['dev-mailbox-test-key-0123456789abcdef'] });
    const audit = new AuditLog(mongo.connection, silentLogger);
    await Promise.all([outbox.ensureIndexes(silentLogger), audit.ensureIndexes()]);
    const renderer = createMailRenderer(VIEWS, brokerTranslator());
    const views = createViewRenderer(VIEWS, brokerTranslator());
    const transport = createDevTransport();
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const app = createApp({
      issuer: base,
      proxyTrust: null,
      cookieKeys: ['x'.repeat(32)],
      logger: silentLogger,
      views,
      readiness: [],
      routers: [devMailboxRoutes(outbox, transport.mailbox, views)],
    });
    server.on('request', app.callback());

    await outbox.enqueue({
      to: 'first@example.net',
      template: 'association-linked',
      secret: { notMeLink: 'http://localhost:3000/link/not-me?token=t' },
      data: {
        upstreamName: 'Demo ID',
        signInName: 'first',
        accountName: 'First Ltd',
        customerNumber: '1',
        support: 'help@example.com',
      },
    });
    id = await outbox.enqueue({
      to: 'carol@carol-and-co.example',
      template: 'association-link',
      secret: { link: LINK },
      data: {
        upstreamName: 'Demo ID',
        signInName: '<carol>',
        accountName: 'Carol & Co',
        expiresInMinutes: 60,
        support: 'help@example.com',
      },
    });
    const worker = new OutboxWorker({
      outbox,
      transport,
      renderer,
      audit,
      logger: silentLogger,
      from: { email: 'accounts@example.com', name: 'Accounts' },
      maxAttempts: 3,
      initialDelayMs: 1_000,
      pollIntervalMs: 60_000,
    });
    await worker.runOnce();
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await mongo.dispose();
  });

  it('marks the message sent with a dev message id and keeps it in the outbox', async () => {
    const stored = await outbox.find(id);
    expect(stored).toMatchObject({ status: 'sent', attempts: 1 });
    expect(stored?.providerMessageId).toMatch(/^dev-[0-9a-f]{16}$/);
  });

  it('lists the e-mails newest first with recipient, subject, status and a link to each', async () => {
    const response = await fetch(`${base}/dev/mailbox`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    const newest = html.indexOf('carol@carol-and-co.example');
    const older = html.indexOf('first@example.net');
    expect(newest).toBeGreaterThan(-1);
    expect(older).toBeGreaterThan(newest);
    expect(html).toContain(`<a href="/dev/mailbox/${id}">Associate your sign-in with your customer account</a>`);
    expect(html).toContain('Your sign-in was associated with your customer account');
    expect(html).toContain('<td>sent</td>');
  });

  it('shows one e-mail: its HTML in a sandboxed frame of its own, its text in a pre; the page stays strict', async () => {
    const response = await fetch(`${base}/dev/mailbox/${id}`);
    expect(response.status).toBe(200);
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("frame-src 'self'");
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).not.toContain('script-src');
    const html = await response.text();
    expect(html).toContain(
      `<iframe class="mail-body" src="/dev/mailbox/${id}/html" title="Associate your sign-in with your customer account" sandbox="allow-top-navigation-by-user-activation"></iframe>`,
    );
    // The e-mail's markup is not part of the page itself (its inline styles would be refused there).
    expect(html).not.toContain('style="');
    expect(html).toMatch(
      /<pre class="mail-text">[^<]*http:\/\/127\.0\.0\.1:3000\/link\?token&#x3D;dev_token_0123456789\n/,
    );
  });

  it("serves the e-mail's HTML as a document that may style itself inline and run nothing", async () => {
    const response = await fetch(`${base}/dev/mailbox/${id}/html`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy.split('; ')).toEqual(
      expect.arrayContaining([
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "frame-ancestors 'self'",
        'sandbox allow-top-navigation-by-user-activation',
      ]),
    );
    expect(policy).not.toMatch(/script-src|allow-scripts|allow-same-origin/);
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html>\n<html><head><meta charset="utf-8"><base target="_top">/);
    expect(html).toContain(
      'href="http://127.0.0.1:3000/link?token&#x3D;dev_token_0123456789" style="display: inline-block;',
    );
    expect(html).toContain('&quot;&lt;carol&gt;&quot;');
    expect(html).not.toContain('<carol>');
    expect(
      (await fetch(`${base}/dev/mailbox/0123456789abcdef01234567/html`, { headers: { accept: 'text/html' } })).status,
    ).toBe(404);
  });

  it('answers 404 for an unknown or malformed message id', async () => {
    expect(
      (await fetch(`${base}/dev/mailbox/0123456789abcdef01234567`, { headers: { accept: 'text/html' } })).status,
    ).toBe(404);
    expect((await fetch(`${base}/dev/mailbox/not-an-id`, { headers: { accept: 'text/html' } })).status).toBe(404);
  });
});
