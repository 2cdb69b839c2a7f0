import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closedLoop } from './load-pool.ts';
import { emptyTotals, timed, type Totals } from './run-totals.ts';

// About the size of a token response with an ID token.
const BODY = JSON.stringify({ access_token: 'a'.repeat(43), id_token: 'i'.repeat(700), token_type: 'Bearer', expires_in: 3600 });

/**
 * The loopback HTTP floor: the same fetch POST as a token request against a server that only reads the body and
 * answers fixed JSON. What remains of a second at this rate is all the servers may use: client and servers share
 * this process's one JavaScript thread.
 */
export async function measureHttpFloor(options: { concurrency: number; maxMs: number; maxCount: number }): Promise<Totals> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(BODY);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  const totals = emptyTotals();
  try {
    await timed(totals, undefined, () =>
      closedLoop({
        ...options,
        task: async () => {
          const response = await fetch(url, {
            method: 'POST',
            headers: { authorization: 'Basic eDp5', 'content-type': 'application/x-www-form-urlencoded' },
            body: 'grant_type=refresh_token&refresh_token=x',
          });
          await response.json();
        },
      }),
    );
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  return totals;
}
