import type { Router } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Dissemination } from '../dissemination/capability.js';
import type { Database } from '../store/database.js';
import type { SeriesFiles } from '../dissemination/timeseries-files.js';
import { alertRoutes } from './routes.js';
import { Alerts, SERIES_FEATURES, type AlertFeature, type Mailer } from './subscriptions.js';

/** Subscriptions to features' data: evaluated after ingests and on a timer, delivered with retries. */
export interface Alerting {
  /** `/alerts`: people's subscriptions. */
  routes: Router;
  /** After an ingest of this process: the subscriptions evaluated at once. */
  onIngest(): void;
  close(): Promise<void>;
}

export function alertsCapability(deps: {
  db: Database;
  config: Config;
  log: Logger;
  seriesFiles: SeriesFiles;
  dissemination: Pick<Dissemination, 'series' | 'itemSeries'>;
  mailer: Mailer | null;
  listenUrl: () => string;
}): Alerting {
  const { db, config, log, dissemination, mailer } = deps;
  const { series, itemSeries } = dissemination;
  // Subscriptions: evaluated on each ingest (this process's at once; other processes' on the timer), delivered
  // with retries; "no data for N days" on the timer too.
  const alerts = new Alerts({ db, dataDir: deps.seriesFiles, duck: () => series.duck(), publicUrl: deps.listenUrl, mailer, itemSeries, log });
  const latestObservation = async (feature: AlertFeature, id: string) => {
    if (feature === 'Station' || feature === 'Gauge') return (await itemSeries(SERIES_FEATURES[feature], id))?.points.at(-1)?.time ?? null;
    const obs = await series.query({ feature, ids: [id], fields: ['time'], times: 'text', withGeometry: false });
    return obs.reduce<string | null>((a, o) => (typeof o.values['time'] === 'string' && (!a || o.values['time'] > a) ? (o.values['time'] as string) : a), null);
  };
  const evaluate = () => void alerts.evaluate().catch((error: unknown) => log.warn({ err: error }, 'alert evaluation failed'));
  const timer = setInterval(() => {
    evaluate();
    void alerts.checkSilence(latestObservation).catch((error: unknown) => log.warn({ err: error }, 'silence check failed'));
  }, config.watchdogMs);
  timer.unref();
  void alerts.evaluate().then(
    () => alerts.kick(),
    (error: unknown) => log.warn({ err: error }, 'alert evaluation failed')
  );
  return {
    routes: alertRoutes(alerts),
    onIngest: evaluate,
    close: async () => {
      clearInterval(timer);
      alerts.close();
      await alerts.evaluate().catch(() => undefined);
    }
  };
}
