import { Router } from 'express';
import { Gauge, type Registry } from 'prom-client';
import { principalOf } from '../auth/middleware.js';
import { atLeast } from '../auth/principal.js';
import { ForbiddenError, UnauthorizedError, ValidationError } from '../errors.js';
import { asyncHandler } from '../http/errors.js';
import type { HarvestState, SourceStatus } from './state.js';

/** How far behind its provider a source is: from its last observation held to now (null before its first). */
export const lagSeconds = (s: SourceStatus, now = Date.now()) => {
  const t = s.high_water ? Date.parse(s.high_water.length === 10 ? `${s.high_water}T00:00:00Z` : s.high_water) : NaN;
  return Number.isFinite(t) ? Math.max(0, Math.round((now - t) / 1000)) : null;
};

/**
 * HYGOR's harvests seen from outside: `/harvest/sources` (producers and admins, and their harvest jobs) and HYDRA's
 * gauges (a failed harvest job is recorded against its sources by the job service, with the job's end).
 */
export function harvestCapability(deps: { state: HarvestState; registry: Registry }): { routes: Router } {
  const { state } = deps;
  const routes = Router();
  routes.get(
    '/harvest/sources',
    asyncHandler(async (req, res) => {
      const p = principalOf(res);
      if (!p.name) throw new UnauthorizedError("the harvests' state needs the API key of a producer or an admin");
      if (!atLeast(p.role, 'producer')) throw new ForbiddenError(`the harvests' state needs the producer or admin role (you are ${p.role})`);
      const source = req.query['source'];
      if (source !== undefined && (typeof source !== 'string' || !/^[a-z0-9-]{1,40}$/.test(source)))
        throw new ValidationError('source is a provider name (hubeau)');
      const now = Date.now();
      res.setHeader('Cache-Control', 'no-store');
      res.json({ sources: (await state.list(source)).map((s) => ({ ...s, lag_seconds: lagSeconds(s, now) })) });
    })
  );
  const gauge = (name: string, help: string, value: (s: SourceStatus, now: number) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['source', 'key'],
      registers: [deps.registry],
      async collect() {
        this.reset();
        const now = Date.now();
        for (const s of await state.list()) {
          const v = value(s, now);
          if (v !== null) this.set({ source: s.source, key: s.key }, v);
        }
      }
    });
  gauge('hysope_harvest_lag_seconds', 'How far behind its provider each harvested source is: from the last observation in the catalog to now', (s, now) =>
    lagSeconds(s, now)
  );
  gauge('hysope_harvest_last_success_timestamp_seconds', 'When each harvested source was last harvested successfully (Unix time)', (s) =>
    s.last_success ? Date.parse(s.last_success) / 1000 : null
  );
  gauge('hysope_harvest_failing', "Whether each harvested source's last harvest failed (1) or not (0)", (s) => (s.last_error ? 1 : 0));
  return { routes };
}
