// npm run accounts -- import FILE   (FILE: .json or .csv, formats in src/accounts/account-file.ts)
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { pino } from 'pino';
import { AccountFileError, importAccounts } from '../src/accounts/account-import.ts';
import { AccountStore } from '../src/accounts/account-store.ts';
import { ConfigError, loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/log/logger.ts';
import { connectMongo } from '../src/store/mongo.ts';

const USAGE = 'usage: npm run accounts -- import FILE   (FILE ending in .json or .csv)';
const DEFAULT_MONGODB_URI = 'mongodb://127.0.0.1:27017/identity-broker';

/**
 * The broker's own database when its configuration loads; otherwise MONGODB_URI alone, so that accounts can be
 * imported on a machine that holds no broker secrets.
 */
function mongodbUri(env: NodeJS.ProcessEnv): string {
  try {
    return loadConfig(env).mongodb.uri;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (env.MONGODB_URI) return env.MONGODB_URI;
    console.error(`configuration not usable (${error.problems[0] ?? 'invalid'}); using ${DEFAULT_MONGODB_URI}`);
    return DEFAULT_MONGODB_URI;
  }
}

async function main(args: readonly string[]): Promise<number> {
  const [command, file, ...rest] = args;
  const formats: Record<string, 'json' | 'csv'> = { '.json': 'json', '.csv': 'csv' };
  const format = file === undefined ? undefined : formats[extname(file).toLowerCase()];
  if (command !== 'import' || file === undefined || rest.length > 0 || format === undefined) {
    console.error(USAGE);
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    console.error(`cannot read ${file}: ${(error as Error).message}`);
    return 1;
  }

  // Logs go to stderr so that stdout carries only the summary.
  const logger = createLogger('warn', pino.destination(2));
  let connection;
  try {
    connection = await connectMongo(mongodbUri(process.env), { logger });
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
  try {
    const store = new AccountStore(connection);
    await store.ensureIndexes(logger);
    const report = await importAccounts(store, text, format);
    const { created, updated, unchanged, rejected } = report;
    console.log(`created ${created}, updated ${updated}, unchanged ${unchanged}, rejected ${rejected.length}`);
    for (const { line, reason } of rejected) console.error(`line ${line}: ${reason}`);
    return rejected.length > 0 ? 1 : 0;
  } catch (error) {
    if (!(error instanceof AccountFileError)) throw error;
    console.error(`${file}: ${error.message}`);
    return 1;
  } finally {
    await connection.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
