import { constants } from 'node:fs';
import { access, statfs } from 'node:fs/promises';
import { Router } from 'express';
import type { Database } from '../store/database.js';
import type { ObjectStore } from '../store/object-store.js';

/** `/health/live` (the process answers) and `/health/ready` (its store answers too). */
export function healthRoutes(
  db: Database,
  executorReady: () => Promise<boolean> = async () => true,
  dataDir?: string,
  minFreeBytes = 0,
  log?: { warn: (o: object, msg: string) => void },
  /** Whether the message broker's connection is up (null: no broker configured). */
  brokerConnected: () => boolean | null = () => null,
  /** The object store when it is not the data folder (S3). */
  objects?: ObjectStore
): Router {
  const r = Router();
  r.get('/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/ready', async (_req, res) => {
    const checks: Record<string, { status: 'ok' | 'fail'; detail?: string }> = {};
    try {
      await db.query('select 1');
      checks['store'] = { status: 'ok', detail: db.kind };
    } catch (error) {
      // Details (hosts, paths) go to the log, not to whoever asks.
      log?.warn({ err: error }, 'readiness: the store does not answer');
      checks['store'] = { status: 'fail', detail: 'the store does not answer' };
    }
    if (dataDir) {
      // The object store (products, sources, job folders): writable, with room left?
      checks[objects && !objects.folder ? 'data_folder' : 'object_store'] = await access(dataDir, constants.W_OK).then(
        () => ({ status: 'ok' as const, detail: 'writable' }),
        (e: Error) => {
          log?.warn({ err: e }, 'readiness: the data folder is not writable');
          return { status: 'fail' as const, detail: 'the data folder is not writable' };
        }
      );
      const s = await statfs(dataDir).catch(() => null);
      const free = s ? s.bavail * s.bsize : 0;
      checks['disk'] =
        free >= minFreeBytes && s
          ? { status: 'ok', detail: `${Math.floor(free / 2 ** 20)} MiB free` }
          : { status: 'fail', detail: `${Math.floor(free / 2 ** 20)} MiB free, below the ${Math.ceil(minFreeBytes / 2 ** 20)} MiB minimum` };
    }
    if (objects && !objects.folder) {
      checks['object_store'] = await objects.check().then(
        () => ({ status: 'ok' as const, detail: 'S3' }),
        (e: Error) => {
          log?.warn({ err: e }, 'readiness: the object store does not answer');
          return { status: 'fail' as const, detail: 'the object store does not answer' };
        }
      );
    }
    try {
      checks['executor'] = (await executorReady()) ? { status: 'ok' } : { status: 'fail', detail: 'the job executor does not answer' };
    } catch (error) {
      log?.warn({ err: error }, 'readiness: the executor does not answer');
      checks['executor'] = { status: 'fail', detail: 'the job executor does not answer' };
    }
    const broker = brokerConnected();
    if (broker !== null) checks['broker'] = broker ? { status: 'ok', detail: 'AMQP' } : { status: 'fail', detail: 'the message broker does not answer' };
    const ok = Object.values(checks).every((c) => c.status === 'ok');
    if (!ok) res.setHeader('Retry-After', '10');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'fail', checks });
  });
  return r;
}
