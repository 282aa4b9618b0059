import { findBin, startPostgres } from './pg-server.js';

/**
 * Starts a throw-away PostgreSQL server (Debian's binaries) for the store tests, unless
 * HYSOPE_TEST_DATABASE_URL already names one. The same catalog tests then run on PGlite and on it.
 */
export default async function setup(): Promise<(() => void) | void> {
  if (process.env['HYSOPE_TEST_DATABASE_URL']) return;
  const bin = findBin();
  if (!bin) {
    if (process.env['CI']) throw new Error('PostgreSQL binaries are missing (apt-get install postgresql): the store tests must also run on PostgreSQL');
    console.warn('PostgreSQL not installed: the catalog tests run on PGlite only (run scripts/install.sh to add PostgreSQL)');
    return;
  }
  const server = await startPostgres(bin);
  process.env['HYSOPE_TEST_DATABASE_URL'] = server.url;
  console.log(`PostgreSQL test server at ${server.url}`);
  return server.stop;
}
