import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { Router } from 'express';
import type { Database } from '../store/database.js';

/** `/health/live` (the process answers) and `/health/ready` (its store answers too). */
export function healthRoutes(db: Database, executorReady: () => Promise<boolean> = async () => true, dataDir?: string): Router {
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
      checks['store'] = { status: 'fail', detail: (error as Error).message };
    }
    if (dataDir) {
      // The object store (products, sources, job folders): writable?
      checks['object_store'] = await access(dataDir, constants.W_OK).then(
        () => ({ status: 'ok' as const, detail: dataDir }),
        (e: Error) => ({ status: 'fail' as const, detail: `${dataDir}: ${e.message}` })
      );
    }
    try {
      checks['executor'] = (await executorReady()) ? { status: 'ok' } : { status: 'fail', detail: 'the job executor does not answer' };
    } catch (error) {
      checks['executor'] = { status: 'fail', detail: (error as Error).message };
    }
    const ok = Object.values(checks).every((c) => c.status === 'ok');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'fail', checks });
  });
  return r;
}
