import { createServer, type Server } from 'node:http';
import { createDemoUpstream } from '../parties/demo-upstream.ts';
import { closeServer, listenOnLoopback } from '../parties/loopback-server.ts';
import { TestBrowser, headingOf } from '../support/browser.ts';
import { TestPortal } from '../support/portal.ts';
import { startStack, UPSTREAM_CLIENT } from '../support/stack.ts';

describe('an upstream identity provider that cannot be reached', () => {
  it('ends on a clear page naming it, with no code and no stack trace, and reaches it once it answers again', async () => {
    const { server, url: deadIssuer } = await listenOnLoopback();
    await closeServer(server);
    let revived: Server | undefined;
    const stack = await startStack({
      upstreams: [{ id: 'demo', name: 'Demo ID', issuer: deadIssuer, ...UPSTREAM_CLIENT }],
    });
    try {
      const portal = await TestPortal.discover(stack);
      const request = await portal.authorizationRequest();
      const page = await new TestBrowser().navigate(request.url.href, {}, request.redirectUri);
      expect(page.url.startsWith(request.redirectUri)).toBe(false);
      expect(page.status).toBe(502);
      expect(headingOf(page.html)).toBe('Demo ID is not available');
      expect(page.html).not.toMatch(/\bat .*\.(ts|js):\d+/);

      // The failed discovery is not cached: once the upstream answers, the next sign-in reaches it.
      const upstream = await createDemoUpstream({
        issuer: deadIssuer,
        clients: [{ ...UPSTREAM_CLIENT, redirectUris: [`${stack.brokerUrl}/upstream/demo/callback`] }],
      });
      revived = createServer(upstream.callback);
      await new Promise<void>((resolve) => revived?.listen(Number(new URL(deadIssuer).port), '127.0.0.1', resolve));
      const retry = await portal.authorizationRequest();
      const loginPage = await new TestBrowser().navigate(retry.url.href, {}, retry.redirectUri);
      expect(headingOf(loginPage.html)).toBe('Sign in to Demo ID');
    } finally {
      if (revived) await closeServer(revived);
      await stack.close();
    }
  });
});
