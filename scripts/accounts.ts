// npm run accounts -- import FILE [--prune]   (FILE: .json or .csv, formats in src/accounts/account-file.ts)
// npm run accounts -- migrate                  (the first model's data into organisations; the broker also does it)
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { Connection } from 'mongoose';
import { pino } from 'pino';
import { AccountFileError, changedNothing, importAccounts } from '../src/accounts/account-import.ts';
import type { AccountUpsert } from '../src/accounts/account-store.ts';
import { PeopleStore } from '../src/accounts/people-store.ts';
import { announceDirectoryChange } from '../src/accounts/directory-changes.ts';
import { describeMigration, migratedNothing, migrateToOrganisations } from '../src/accounts/organisation-migration.ts';
import { createWebhookEvents } from '../src/events/webhook-events.ts';
import { ConfigError, loadConfig, type BrokerConfig } from '../src/config/index.ts';
import { createLogger, type Logger } from '../src/log/logger.ts';
import { connectMongo } from '../src/store/mongo.ts';
import { closeRedis, connectRedis } from '../src/store/redis.ts';

const USAGE = 'usage: npm run accounts -- import FILE [--prune]   (FILE ending in .json or .csv) | migrate';
const DEFAULT_MONGODB_URI = 'mongodb://127.0.0.1:27017/identity-broker';
const FORMATS: Record<string, 'json' | 'csv'> = { '.json': 'json', '.csv': 'csv' };

type Command = { name: 'import'; file: string; format: 'json' | 'csv'; prune: boolean } | { name: 'migrate' };

function parseArguments(args: readonly string[]): Command | undefined {
  const [command, ...rest] = args;
  if (command === 'migrate') return rest.length === 0 ? { name: 'migrate' } : undefined;
  if (command !== 'import') return undefined;
  const prune = rest.includes('--prune');
  const [file, ...extra] = rest.filter((arg) => arg !== '--prune');
  const format = file === undefined ? undefined : FORMATS[extname(file).toLowerCase()];
  if (file === undefined || format === undefined || extra.length > 0 || file.startsWith('--')) return undefined;
  return { name: 'import', file, format, prune };
}

/**
 * The broker's own configuration when it loads (its database, and its Redis to tell running brokers); otherwise
 * MONGODB_URI alone, so that accounts can be imported on a machine that holds no broker secrets.
 */
function brokerSettings(env: NodeJS.ProcessEnv): {
  mongodbUri: string;
  config?: Readonly<BrokerConfig>;
  unusable?: string;
} {
  try {
    const config = loadConfig(env);
    return { mongodbUri: config.mongodb.uri, config };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const unusable = `configuration not usable (${error.problems[0] ?? 'invalid'})`;
    if (env.MONGODB_URI) return { mongodbUri: env.MONGODB_URI, unusable };
    console.error(`${unusable}; using ${DEFAULT_MONGODB_URI}`);
    return { mongodbUri: DEFAULT_MONGODB_URI, unusable };
  }
}

/**
 * Running brokers cache people and accounts; a change written here is announced over their Redis so that the next
 * sign-in sees it at once. Without Redis they see it after accountCacheTtl, and the operator is told so.
 */
async function announce(settings: ReturnType<typeof brokerSettings>, logger: Logger): Promise<void> {
  const { config } = settings;
  const bound = config ? `${config.accountCacheTtl / 1000} s (accountCacheTtl)` : 'accountCacheTtl';
  const notTold = (reason: string) =>
    console.log(`running brokers not told (${reason}): they see the change within ${bound}`);
  if (!config) return notTold('no usable broker configuration');
  let redis;
  try {
    redis = await connectRedis(config.redis, { logger, keyPrefix: config.redis.keyPrefix, timeoutMs: 2_000 });
    const heard = await announceDirectoryChange(redis, config.redis.keyPrefix);
    console.log(`running brokers told of the change (${heard} listening)`);
  } catch (error) {
    notTold(`Redis: ${(error as Error).message}`);
  } finally {
    if (redis) await closeRedis(redis);
  }
}

/**
 * Runs the migration and prints what it did. The import runs it first too: it writes contacts, and a legacy
 * address migrated after an import with --prune would come back as an active contact the file had left out.
 */
async function migrate(connection: Connection, logger: Logger, quietWhenNothing: boolean): Promise<boolean> {
  // The report printed here says everything the migration's own warnings would.
  const report = await migrateToOrganisations(connection, logger.child({}, { level: 'error' }));
  if (quietWhenNothing && migratedNothing(report)) return false;
  const prefix = quietWhenNothing ? 'migrated first: ' : '';
  for (const line of describeMigration(report)) console.log(`${prefix}${line}`);
  return !migratedNothing(report);
}

/**
 * `account.changed` for the customer system's webhooks, when the broker's configuration names any: stored as
 * deliveries next to the accounts, and sent by the running brokers' delivery workers.
 */
async function accountEvents(connection: Connection, logger: Logger, settings: ReturnType<typeof brokerSettings>) {
  const webhooks = settings.config?.webhooks ?? [];
  if (webhooks.length === 0) return undefined;
  const events = await createWebhookEvents({ webhooks, mongo: connection, logger });
  return events.publisher.wants('account.changed') ? events : undefined;
}

async function runImport(
  connection: Connection,
  logger: Logger,
  { file, format, prune }: Extract<Command, { name: 'import' }>,
  text: string,
  settings: ReturnType<typeof brokerSettings>,
): Promise<{ code: number; changed: boolean }> {
  const store = new PeopleStore(connection).accountImport();
  await store.ensureIndexes(logger);
  const migrated = await migrate(connection, logger, true);
  const events = await accountEvents(connection, logger, settings);
  const changed = async (upsert: AccountUpsert) => {
    await events?.publisher.publish('account.changed', {
      accountId: upsert.accountId,
      customerNumber: upsert.customerNumber,
      change: upsert.account === 'created' ? 'created' : 'updated',
      fields: upsert.changedFields,
      contactIds: upsert.changedContactIds,
      actor: { type: 'import', id: basename(file) },
    });
  };
  try {
    const report = await importAccounts(store, text, format, { prune, changed });
    const { accounts, contacts, rejected } = report;
    console.log(
      `accounts: created ${accounts.created}, updated ${accounts.updated}, unchanged ${accounts.unchanged}; ` +
        `contacts: added ${contacts.added}, updated ${contacts.updated}, unchanged ${contacts.unchanged}, ` +
        `disabled ${contacts.disabled}; rejected ${rejected.length}`,
    );
    if (changedNothing(report)) console.log('nothing changed');
    for (const { line, reason } of rejected) console.error(`line ${line}: ${reason}`);
    return { code: rejected.length > 0 ? 1 : 0, changed: migrated || !changedNothing(report) };
  } catch (error) {
    if (!(error instanceof AccountFileError)) throw error;
    console.error(`${file}: ${error.message}`);
    return { code: 1, changed: migrated };
  } finally {
    // Deliveries still being stored are written before the connection closes.
    await events?.stop();
  }
}

async function main(args: readonly string[]): Promise<number> {
  const command = parseArguments(args);
  if (!command) {
    console.error(USAGE);
    return 2;
  }
  let text = '';
  if (command.name === 'import') {
    try {
      text = readFileSync(command.file, 'utf8');
    } catch (error) {
      console.error(`cannot read ${command.file}: ${(error as Error).message}`);
      return 1;
    }
  }

  // Logs go to stderr so that stdout carries only the summary.
  const logger = createLogger('warn', pino.destination(2));
  const settings = brokerSettings(process.env);
  let connection;
  try {
    connection = await connectMongo(settings.mongodbUri, { logger });
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
  let outcome: { code: number; changed: boolean };
  try {
    outcome =
      command.name === 'import'
        ? await runImport(connection, logger, command, text, settings)
        : { code: 0, changed: await migrate(connection, logger, false) };
  } finally {
    await connection.close();
  }
  if (outcome.changed) await announce(settings, logger);
  return outcome.code;
}

process.exitCode = await main(process.argv.slice(2));
