// npm run admin -- help                              (lists every operation of the admin API)
// npm run admin -- OPERATION [name=value ...]        e.g. searchAccounts q=C-1001, resendAssociation associationId=…
//
// A client of the admin API (docs/support.md), so scripted use goes through the same rules,
// roles and audit as every other tool: it signs in as an admin client with the client-credentials grant.
//   ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET   an entry of `admin.clients` (its role decides what it may do)
//   ADMIN_ISSUER                           the broker's issuer; default: `issuer` of the broker's configuration
// Path parameters are filled from name=value; the other values go to the query (GET, DELETE) or the JSON body.
// A value starting with [ or { is read as JSON (plans=[{"type":"support","expiresAt":"2027-01-01T00:00:00Z"}]).
import { ADMIN_OPERATIONS, type AdminOperation } from '../src/admin/api/admin-operations.ts';
import { ADMIN_API_PREFIX } from '../src/admin/api/openapi.ts';
import { loadConfig } from '../src/config/index.ts';

const USAGE =
  'usage: npm run admin -- help | OPERATION [name=value ...]   (needs ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET)';

function help(): string {
  return ADMIN_OPERATIONS.map((op) => {
    const names = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => `${m[1]}=…`);
    const extra = Object.keys((op.query ?? op.body)?.shape ?? {}).map((name) => `${name}=…`);
    return `  ${op.operationId} ${[...names, ...extra].join(' ')}\n      ${op.summary} (${op.role})`;
  }).join('\n');
}

function valueOf(text: string): unknown {
  return text.startsWith('[') || text.startsWith('{') ? JSON.parse(text) : text;
}

/** The request an operation and its name=value arguments make; throws with a message for the person typing. */
export function requestOf(
  op: AdminOperation,
  args: readonly string[],
): { path: string; query: URLSearchParams; body: Record<string, unknown> | undefined } {
  const values = new Map<string, string>();
  for (const arg of args) {
    const at = arg.indexOf('=');
    if (at < 1) throw new Error(`"${arg}" is not name=value`);
    values.set(arg.slice(0, at), arg.slice(at + 1));
  }
  const path = op.path.replace(/\{(\w+)\}/g, (_all, name: string) => {
    const value = values.get(name);
    if (value === undefined) throw new Error(`${op.operationId} needs ${name}=…`);
    values.delete(name);
    return encodeURIComponent(value);
  });
  const query = new URLSearchParams();
  const inBody = op.method === 'post' || op.method === 'patch';
  if (!inBody) for (const [name, value] of values) query.set(name, value);
  const body = inBody ? Object.fromEntries([...values].map(([name, value]) => [name, valueOf(value)])) : undefined;
  return { path, query, body };
}

async function accessToken(issuer: string, clientId: string, clientSecret: string): Promise<string> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const answer = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    error?: string;
    error_description?: string;
  };
  if (!answer.access_token)
    throw new Error(`no access token for ${clientId}: ${answer.error_description ?? answer.error ?? response.status}`);
  return answer.access_token;
}

async function main(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [name, ...rest] = args;
  if (name === 'help' || name === '--help') {
    console.log(`${USAGE}\n\n${help()}`);
    return 0;
  }
  const op = ADMIN_OPERATIONS.find((o) => o.operationId === name);
  if (!op) {
    console.error(name ? `unknown operation "${name}"\n${USAGE}` : USAGE);
    return 2;
  }
  const { ADMIN_CLIENT_ID: clientId, ADMIN_CLIENT_SECRET: clientSecret } = env;
  if (!clientId || !clientSecret) {
    console.error(`ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must name an entry of admin.clients\n${USAGE}`);
    return 2;
  }
  let request: ReturnType<typeof requestOf>;
  try {
    request = requestOf(op, rest);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const issuer = (env.ADMIN_ISSUER ?? loadConfig(env).issuer).replace(/\/$/, '');
  const token = await accessToken(issuer, clientId, clientSecret);
  const url = `${issuer}${ADMIN_API_PREFIX}${request.path}${request.query.size > 0 ? `?${request.query}` : ''}`;
  const response = await fetch(url, {
    method: op.method.toUpperCase(),
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      ...(request.body ? { 'content-type': 'application/json' } : {}),
    },
    ...(request.body ? { body: JSON.stringify(request.body) } : {}),
  });
  const text = await response.text();
  const shown = text ? JSON.stringify(JSON.parse(text), null, 2) : `${response.status} ${response.statusText}`;
  if (!response.ok) {
    console.error(shown);
    return 1;
  }
  console.log(shown);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
