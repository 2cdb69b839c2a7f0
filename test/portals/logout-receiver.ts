import { closeServer, listenOnLoopback } from '../parties/loopback-server.ts';

/** What a portal's logout endpoints received: back-channel logout tokens (POST) and front-channel requests (GET). */
export interface LogoutReceiver {
  url: string;
  backchannelUri: string;
  frontchannelUri: string;
  logoutTokens: string[];
  frontchannelRequests: URL[];
  /** Resolves once `count` logout tokens have arrived (or rejects after `timeoutMs`). */
  waitForLogoutTokens(count: number, timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
}

/** A portal's logout side on a loopback port: answers 200 like a portal that ended the session. */
export async function startLogoutReceiver(): Promise<LogoutReceiver> {
  const { server, url } = await listenOnLoopback();
  const logoutTokens: string[] = [];
  const frontchannelRequests: URL[] = [];
  server.on('request', (req, res) => {
    const requestUrl = new URL(req.url ?? '/', url);
    if (req.method === 'GET' && requestUrl.pathname === '/frontchannel-logout') {
      frontchannelRequests.push(requestUrl);
      res
        .writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' })
        .end('<!doctype html><title>signed out</title>');
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const token = new URLSearchParams(body).get('logout_token');
      if (req.method === 'POST' && requestUrl.pathname === '/backchannel-logout' && token) {
        logoutTokens.push(token);
        res.writeHead(200, { 'cache-control': 'no-store' }).end();
      } else {
        res.writeHead(400).end();
      }
    });
  });
  return {
    url,
    backchannelUri: `${url}/backchannel-logout`,
    frontchannelUri: `${url}/frontchannel-logout`,
    logoutTokens,
    frontchannelRequests,
    async waitForLogoutTokens(count, timeoutMs = 5_000) {
      const until = Date.now() + timeoutMs;
      while (logoutTokens.length < count) {
        if (Date.now() > until) throw new Error(`${logoutTokens.length} of ${count} logout tokens arrived at ${url}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return logoutTokens.slice(0, count);
    },
    close: () => closeServer(server),
  };
}
