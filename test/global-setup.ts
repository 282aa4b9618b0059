import { findBin, startPostgres } from './pg-server.js';
import { haveCeph, startS3 } from './s3-server.js';

/**
 * Starts a throw-away PostgreSQL server (Debian's binaries) for the store tests, unless
 * HYSOPE_TEST_DATABASE_URL already names one. The same catalog tests then run on PGlite and on it.
 */
export default async function setup(): Promise<(() => Promise<void>) | void> {
  const stops: (() => void | Promise<void>)[] = [];
  const s3 = await startTestS3();
  if (s3) stops.push(s3);
  const pg = await startTestPostgres();
  if (pg) stops.push(pg);
  return async () => {
    for (const stop of stops) await stop();
  };
}

/**
 * Starts a throw-away S3 server (Ceph's RADOS Gateway, scripts/s3.sh) for the object-store tests, unless
 * HYSOPE_TEST_S3_ENDPOINT already names one: the same tests then run on the folder store and on S3.
 */
async function startTestS3(): Promise<(() => Promise<void>) | void> {
  if (process.env['HYSOPE_TEST_S3_ENDPOINT']) return;
  if (!haveCeph()) {
    if (process.env['CI'])
      throw new Error('Ceph is missing (apt-get install ceph-mon ceph-osd radosgw ceph-common): the object-store tests must also run on S3');
    console.warn('Ceph not installed: the object-store tests run on the folder store only (run scripts/install.sh to add it)');
    return;
  }
  const server = await startS3();
  process.env['HYSOPE_TEST_S3_ENDPOINT'] = server.env.HYSOPE_S3_ENDPOINT;
  process.env['HYSOPE_TEST_S3_ACCESS_KEY'] = server.env.AWS_ACCESS_KEY_ID;
  process.env['HYSOPE_TEST_S3_SECRET_KEY'] = server.env.AWS_SECRET_ACCESS_KEY;
  console.log(`S3 test server (Ceph RADOS Gateway) at ${server.env.HYSOPE_S3_ENDPOINT}`);
  return server.stop;
}

async function startTestPostgres(): Promise<(() => void) | void> {
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
