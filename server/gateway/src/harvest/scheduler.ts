import { CronExpressionParser } from 'cron-parser';
import type { Logger } from 'pino';
import type { UserStore } from '../auth/users.js';
import type { Config } from '../config.js';
import type { JobService } from '../production/service.js';
import type { Database } from '../store/database.js';
import { withLease } from '../store/lease.js';

/**
 * Runs the configured harvest schedules: on each tick, under a lease (one gateway of several), a schedule whose last
 * occurrence came since its last run starts a `harvest` job as its account — unless the previous one still runs. A
 * schedule's first occurrence is the next one after the gateway first saw it (no run at start-up).
 */
export function startHarvestScheduler(deps: {
  db: Database;
  jobs: JobService;
  users: UserStore;
  schedules: Config['harvestSchedules'];
  holder: string;
  tickMs: number;
  log: Logger;
}): () => void {
  const { db, jobs, users, schedules, log } = deps;
  if (schedules.length === 0) return () => undefined;
  let running: Promise<unknown> = Promise.resolve();
  const tick = async () => {
    await withLease(db, 'harvest.scheduler', deps.holder, Math.max(10_000, deps.tickMs * 3), async () => {
      const now = new Date();
      for (const s of schedules) {
        const due = CronExpressionParser.parse(s.cron, { currentDate: now }).prev().toDate();
        const [row] = await db.query<{ last_run: Date | string }>('select last_run from harvest_schedules where name = $1', [s.name]);
        if (!row) {
          await db.query('insert into harvest_schedules (name, last_run) values ($1, $2) on conflict do nothing', [s.name, due]);
          continue;
        }
        if (new Date(row.last_run).getTime() >= due.getTime()) continue;
        await db.query('update harvest_schedules set last_run = $2 where name = $1', [s.name, due]);
        const busy = await db.query(`select 1 from jobs where process_id = 'harvest' and status in ('accepted', 'running') and inputs @> $1::jsonb limit 1`, [
          JSON.stringify(s.inputs)
        ]);
        if (busy.length) {
          log.warn({ schedule: s.name }, 'harvest skipped: the previous one still runs');
          continue;
        }
        const role = await users.role(s.as);
        if (!role) {
          log.error({ schedule: s.name, as: s.as }, 'harvest schedule: no such account');
          continue;
        }
        try {
          const job = await jobs.execute('harvest', { inputs: s.inputs }, { name: s.as, role, key: s.as });
          log.info({ schedule: s.name, job: job.id }, 'scheduled harvest started');
        } catch (error) {
          log.error({ schedule: s.name, err: (error as Error).message }, 'scheduled harvest refused');
        }
      }
    });
  };
  const timer = setInterval(() => {
    running = running.then(tick).catch((error: unknown) => log.warn({ err: error }, 'harvest scheduler tick failed'));
  }, deps.tickMs);
  timer.unref();
  return () => clearInterval(timer);
}
