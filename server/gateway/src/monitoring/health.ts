import { Router } from 'express';
import type { Database } from '../store/database.js';

/** `/health/live` (the process answers) and `/health/ready` (its store answers too). */
export function healthRoutes(db: Database, executorReady: () => Promise<boolean> = async () => true): Router {
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
