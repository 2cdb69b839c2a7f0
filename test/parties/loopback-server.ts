import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP server listening on a free loopback port, with no handler yet: parties whose configuration must name
 * their own URL (an issuer, a redirect URI) learn it first and attach their handler after (`server.on('request')`).
 */
export async function listenOnLoopback(): Promise<{ server: Server; url: string }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Closes a server at once, keep-alive connections included. */
export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** An HTTP server on a given loopback port (the demo's fixed ports), with a clear message when it is taken. */
export async function listenOnPort(port: number): Promise<{ server: Server; url: string }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === 'EADDRINUSE' ? `port ${port} is in use: stop what runs there` : error.message)),
    );
    server.listen(port, '127.0.0.1', resolve);
  });
  return { server, url: `http://localhost:${port}` };
}
