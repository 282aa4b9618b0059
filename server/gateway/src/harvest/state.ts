import type { Queryable } from '../store/database.js';

/** A harvested source as HYDRA and the harvest jobs see it. */
export interface SourceStatus {
  source: string;
  key: string;
  /** The last observation the catalog holds (the next harvest asks for later ones). */
  high_water: string | null;
  records: number;
  last_success: string | null;
  last_attempt: string | null;
  last_error: string | null;
}

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());

/** The harvests' state, kept in the store (every gateway replica sees the same). */
export class HarvestState {
  constructor(private readonly db: Queryable) {}

  async list(source?: string): Promise<SourceStatus[]> {
    const rows = await this.db.query<SourceStatus & { records: string | number }>(
      `select source, key, high_water, records, last_success, last_attempt, last_error from harvest_sources
       where $1::text is null or source = $1 order by source, key`,
      [source ?? null]
    );
    return rows.map((r) => ({ ...r, records: Number(r.records), last_success: iso(r.last_success), last_attempt: iso(r.last_attempt) }));
  }

  /** A harvest's granules are in the catalog: its keys are up to date, the marks moved to what the granules hold. */
  async succeeded(source: string, keys: string[], granules: { key: string; records: number; highWater: string }[]): Promise<void> {
    for (const key of keys) {
      const got = granules.filter((g) => g.key === key);
      const mark = got.reduce<string | null>((a, g) => (a === null || g.highWater > a ? g.highWater : a), null);
      const records = got.reduce((a, g) => a + g.records, 0);
      await this.db.query(
        `insert into harvest_sources (source, key, high_water, records, last_success, last_attempt, last_error)
         values ($1, $2, $3, $4, now(), now(), null)
         on conflict (source, key) do update set
           high_water = case when excluded.high_water is null or (harvest_sources.high_water is not null and harvest_sources.high_water >= excluded.high_water)
                             then harvest_sources.high_water else excluded.high_water end,
           records = harvest_sources.records + excluded.records, last_success = now(), last_attempt = now(), last_error = null`,
        [source, key, mark, records]
      );
    }
  }

  /**
   * A harvest failed: its keys keep their marks (the next one asks again from there), the reason is kept (`tx`: in the
   * transaction that records the job's end, so whoever sees the job failed sees the reason too).
   */
  async failed(source: string, keys: string[], error: string, tx: Queryable = this.db): Promise<void> {
    for (const key of keys)
      await tx.query(
        `insert into harvest_sources (source, key, last_attempt, last_error) values ($1, $2, now(), $3)
         on conflict (source, key) do update set last_attempt = now(), last_error = excluded.last_error`,
        [source, key, error.slice(0, 2000)]
      );
  }
}
