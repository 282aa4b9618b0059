// Subscriptions and alerts: a person subscribes to a reach, node, lake or an area ("new observation", "WSE above /
// below a threshold", "quality worse than", "no data for N days") and is told in the portal and the lab, by a signed
// webhook and by e-mail. Conditions are evaluated on each ingest: every granule part the time-series store
// registers (whichever process ingested it) is read once, its observations matched against the subscriptions of its
// features, and the notifications written in the same transaction that marks the part seen — at least once, never
// twice (one notification per subscription, channel and observation), rate limited per subscription. A deliverer
// sends what is pending with retries and backoff; its history is the notifications table.
import { createHmac, randomBytes } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { AlertNotification } from '@hysope/api';
import type { Logger } from 'pino';
import { ValidationError } from '../errors.js';
import { FEATURES, type FeatureType } from '../dissemination/timeseries-store.js';
import { QUALITY_FIELD } from '../dissemination/timeseries.js';
import { SeriesFiles, seriesFiles } from '../dissemination/timeseries-files.js';
import { partFiles, type Piece } from '../dissemination/timeseries-parts.js';
import type { Database, Queryable } from '../store/database.js';

export const CONDITIONS = ['new', 'above', 'below', 'quality', 'silence'] as const;
export type Condition = (typeof CONDITIONS)[number];
export type Channel = 'portal' | 'webhook' | 'email';

/** Series that are catalog items, not SWOT features: Hydroweb virtual stations and in-situ gauges, by item id. */
export const SERIES_FEATURES = { Station: 'hydroweb-stations', Gauge: 'insitu-gauges' } as const;
export type SeriesFeature = keyof typeof SERIES_FEATURES;
export type AlertFeature = FeatureType | SeriesFeature;
const isSeries = (f: string): f is SeriesFeature => Object.hasOwn(SERIES_FEATURES, f);
/** The portal's page kind of a feature type. */
const PAGE_KIND: Record<AlertFeature, string> = { Reach: 'reach', Node: 'node', PriorLake: 'lake', Station: 'station', Gauge: 'gauge' };

/** The observations of a station or gauge item, in time order (null: no such item or no series). */
export type ItemSeriesReader = (
  collection: string,
  id: string
) => Promise<{ variable: string; units: string; points: { time: string; value: number }[] } | null>;

export interface Subscription {
  id: string;
  owner: string;
  feature: AlertFeature;
  feature_id: string | null;
  bbox: [number, number, number, number] | null;
  condition: Condition;
  threshold: number | null;
  webhook: string | null;
  email: string | null;
  max_per_hour: number;
  created: string;
}

export interface NewSubscription {
  feature: AlertFeature;
  id?: string;
  bbox?: [number, number, number, number];
  condition: Condition;
  threshold?: number;
  webhook?: string;
  email?: string;
  max_per_hour?: number;
}

/** One observation a part brought. */
export interface Observed {
  id: string;
  time: string | null;
  wse: number | null;
  quality: number | null;
  lon: number | null;
  lat: number | null;
  granule: string;
  /** A station's or gauge's variable (its value is in `wse`, the one thresholds compare). */
  variable?: string;
  units?: string;
}

/** Whether an observation meets a subscription's condition (silence is a timer's, not an observation's). */
export function meets(s: Pick<Subscription, 'condition' | 'threshold'>, o: Observed): boolean {
  if (o.time === null) return false;
  switch (s.condition) {
    case 'new':
      return true;
    case 'above':
      return o.wse !== null && s.threshold !== null && o.wse > s.threshold;
    case 'below':
      return o.wse !== null && s.threshold !== null && o.wse < s.threshold;
    case 'quality':
      return o.quality !== null && s.threshold !== null && o.quality > s.threshold;
    default:
      return false;
  }
}

/** The checks of a new subscription (a clear 400 for each mistake). */
export function checkSubscription(b: NewSubscription): void {
  if (!Object.hasOwn(FEATURES, b.feature) && !isSeries(b.feature))
    throw new ValidationError(
      `feature must be Reach, Node, PriorLake, Station (a Hydroweb virtual station) or Gauge (an in-situ gauge), got "${String(b.feature)}"`
    );
  if (!CONDITIONS.includes(b.condition)) throw new ValidationError(`condition must be one of ${CONDITIONS.join(', ')}, got "${String(b.condition)}"`);
  if ((b.id === undefined) === (b.bbox === undefined))
    throw new ValidationError('give exactly one of id (a feature) or bbox (an area: west, south, east, north)');
  if (isSeries(b.feature)) {
    if (b.id === undefined) throw new ValidationError(`a ${b.feature} subscription watches one ${b.feature.toLowerCase()} (its catalog item id)`);
    if (typeof b.id !== 'string' || !/^[\w.:-]{1,200}$/.test(b.id))
      throw new ValidationError(`"${String(b.id)}" is not a ${b.feature.toLowerCase()} id of the catalog`);
    if (b.condition === 'quality') throw new ValidationError(`a ${b.feature.toLowerCase()} series carries no quality flag: watch new, above, below or silence`);
  } else {
    const digits = FEATURES[b.feature].idDigits;
    if (b.id !== undefined && !new RegExp(`^\\d{${digits}}$`).test(b.id)) throw new ValidationError(`a ${b.feature} id has ${digits} digits, got "${b.id}"`);
  }
  if (b.bbox !== undefined) {
    const [w, s, e, n] = b.bbox;
    if (
      b.bbox.length !== 4 ||
      ![w, s, e, n].every((x) => typeof x === 'number' && Number.isFinite(x)) ||
      w! > e! ||
      s! > n! ||
      w! < -180 ||
      e! > 180 ||
      s! < -90 ||
      n! > 90
    )
      throw new ValidationError('bbox is [west, south, east, north] in degrees, west ≤ east, south ≤ north');
  }
  const needs = b.condition === 'above' || b.condition === 'below' || b.condition === 'quality' || b.condition === 'silence';
  if (needs && (typeof b.threshold !== 'number' || !Number.isFinite(b.threshold)))
    throw new ValidationError(
      `condition ${b.condition} needs a threshold (${b.condition === 'quality' ? 'the worst quality allowed, 0 to 2' : b.condition === 'silence' ? 'days without data' : 'water surface elevation, m'})`
    );
  if (b.condition === 'quality' && ![0, 1, 2].includes(b.threshold!)) throw new ValidationError('a quality threshold is 0 (good), 1 (suspect) or 2 (degraded)');
  if (b.condition === 'silence' && (b.threshold! < 1 || b.threshold! > 365)) throw new ValidationError('silence is 1 to 365 days');
  if (b.condition === 'silence' && b.id === undefined) throw new ValidationError('"no data for N days" watches one feature (an id)');
  if (b.webhook !== undefined) {
    let u: URL;
    try {
      u = new URL(b.webhook);
    } catch {
      throw new ValidationError('webhook must be an http(s) URL');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ValidationError('webhook must be an http(s) URL');
  }
  if (b.email !== undefined && !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(b.email)) throw new ValidationError(`"${b.email}" is not an e-mail address`);
  if (b.max_per_hour !== undefined && (!Number.isInteger(b.max_per_hour) || b.max_per_hour < 1 || b.max_per_hour > 1000))
    throw new ValidationError('max_per_hour is 1 to 1000');
}

/** The webhook signature: HMAC-SHA256 of `<timestamp>.<body>` with the subscription's secret, hex. */
export function signature(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

type Row = Subscription & { secret: string; unsubscribe: string };

const toSubscription = (r: Row): Subscription => ({
  id: r.id,
  owner: r.owner,
  feature: r.feature,
  feature_id: r.feature_id,
  bbox: r.bbox ? (r.bbox.map(Number) as Subscription['bbox']) : null,
  condition: r.condition,
  threshold: r.threshold === null ? null : Number(r.threshold),
  webhook: r.webhook,
  email: r.email,
  max_per_hour: r.max_per_hour,
  created: new Date(r.created).toISOString()
});

export interface Mailer {
  send(message: { to: string; subject: string; text: string; headers: Record<string, string> }): Promise<void>;
}

export interface AlertOptions {
  db: Database;
  /** The time-series store's parts (a data folder's, or an object store's). */
  dataDir: string | SeriesFiles;
  duck: () => Promise<DuckDBConnection>;
  /** The portal's base URL for links (feature pages, unsubscribe). */
  publicUrl: () => string;
  mailer: Mailer | null;
  /** Reads stations' and gauges' series (subscriptions to them are refused without it). */
  itemSeries?: ItemSeriesReader;
  log?: Logger;
  fetchImpl?: typeof fetch;
}

/** Attempts before a delivery is given up (backoff 2^n s, at most an hour apart). */
const MAX_ATTEMPTS = 8;

export class Alerts {
  private evaluating: Promise<void> = Promise.resolve();
  private delivering = false;
  private again = false;
  private deliverTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly o: AlertOptions) {}

  /** Creates a subscription; its webhook secret is shown this once. */
  async create(owner: string, b: NewSubscription): Promise<Subscription & { secret: string; unsubscribe_url: string }> {
    checkSubscription(b);
    if (isSeries(b.feature) && !this.o.itemSeries) throw new ValidationError('this gateway does not watch station or gauge series');
    const count = await this.o.db.query<{ n: number }>('select count(*)::int as n from subscriptions where owner = $1', [owner]);
    if ((count[0]?.n ?? 0) >= 1000) throw new ValidationError('at most 1000 subscriptions per person');
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(24).toString('base64url');
    const unsubscribe = randomBytes(24).toString('base64url');
    const rows = await this.o.db.query<Row>(
      `insert into subscriptions (id, owner, feature, feature_id, bbox, condition, threshold, webhook, email, secret, unsubscribe, max_per_hour)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning *`,
      [
        id,
        owner,
        b.feature,
        b.id ?? null,
        b.bbox ?? null,
        b.condition,
        b.threshold ?? null,
        b.webhook ?? null,
        b.email ?? null,
        secret,
        unsubscribe,
        b.max_per_hour ?? 60
      ]
    );
    // A station's series is read now, so what it already holds is not news.
    if (isSeries(b.feature)) await this.evaluate();
    return { ...toSubscription(rows[0]!), secret, unsubscribe_url: this.unsubscribeUrl(unsubscribe) };
  }

  private unsubscribeUrl(token: string): string {
    return `${this.o.publicUrl()}/subscriptions/unsubscribe?token=${token}`;
  }

  async list(owner: string): Promise<Subscription[]> {
    return (await this.o.db.query<Row>('select * from subscriptions where owner = $1 order by created', [owner])).map(toSubscription);
  }

  async get(owner: string, id: string): Promise<Subscription | null> {
    const r = (await this.o.db.query<Row>('select * from subscriptions where owner = $1 and id = $2', [owner, id]))[0];
    return r ? toSubscription(r) : null;
  }

  async remove(owner: string, id: string): Promise<boolean> {
    return (await this.o.db.query('delete from subscriptions where owner = $1 and id = $2 returning id', [owner, id])).length > 0;
  }

  /** Ends a subscription by its unsubscribe token (the link of each e-mail); the subscription, or null. */
  async unsubscribe(token: string): Promise<Subscription | null> {
    const r = (await this.o.db.query<Row>('delete from subscriptions where unsubscribe = $1 returning *', [token]))[0];
    return r ? toSubscription(r) : null;
  }

  /** A subscription's history, newest first: each notification by channel, its delivery state and payload. */
  async history(id: string, limit = 100): Promise<Record<string, unknown>[]> {
    const rows = await this.o.db.query<Record<string, unknown>>(
      `select id, channel, dedupe, at, status, attempts, delivered, error, payload from notifications where subscription = $1 order by at desc, id desc limit $2`,
      [id, limit]
    );
    return rows.map((r) => ({
      ...r,
      id: Number(r['id']),
      at: new Date(r['at'] as string).toISOString(),
      delivered: r['delivered'] ? new Date(r['delivered'] as string).toISOString() : null
    }));
  }

  /** The person's notifications in the portal and the lab (the `portal` channel), newest first. */
  async inbox(owner: string, limit = 50): Promise<Record<string, unknown>[]> {
    const rows = await this.o.db.query<Record<string, unknown>>(
      `select n.id, n.at, n.payload from notifications n join subscriptions s on s.id = n.subscription
        where s.owner = $1 and n.channel = 'portal' and n.status = 'delivered' order by n.at desc, n.id desc limit $2`,
      [owner, limit]
    );
    return rows.map((r) => ({ id: Number(r['id']), at: new Date(r['at'] as string).toISOString(), ...(r['payload'] as object) }));
  }

  /** Evaluates the parts registered since the last time (after an ingest, and on a timer); runs one at a time. */
  evaluate(): Promise<void> {
    this.evaluating = this.evaluating.then(
      () => this.evaluateNow(),
      () => this.evaluateNow()
    );
    return this.evaluating;
  }

  private async evaluateNow(): Promise<void> {
    if (this.closed) return;
    const parts = await this.o.db.query<{ feature: FeatureType; path: string; granule: string | null; compacted_into: string | null }>(
      `select distinct on (p.path) p.feature, p.path, p.granule, p.compacted_into from ts_parts p
        where p.kind = 'granule' and not exists (select 1 from alert_seen a where a.path = p.path) order by p.path limit 200`
    );
    await this.evaluateSeries();
    if (!parts.length) return;
    // Which feature types anyone watches (one small query), then, per part, only the subscriptions of its
    // features and the areas: the cost follows the part, not the number of subscriptions.
    const watched = new Set(
      (await this.o.db.query<{ feature: FeatureType }>(`select distinct feature from subscriptions where condition <> 'silence'`)).map((r) => r.feature)
    );
    let wrote = 0;
    for (const part of parts) {
      const observed = watched.has(part.feature) ? await this.read(part) : [];
      const ids = [...new Set(observed.map((o) => o.id))];
      const relevant = observed.length
        ? (
            await this.o.db.query<Row>(
              `select * from subscriptions where feature = $1 and condition <> 'silence' and (feature_id = any($2::text[]) or feature_id is null)`,
              [part.feature, ids]
            )
          ).map(toSubscription)
        : [];
      wrote += await this.o.db.transaction(async (tx) => {
        const n = relevant.length ? await this.match(tx, relevant, observed, part.feature) : 0;
        await tx.query('insert into alert_seen (path) values ($1) on conflict do nothing', [part.path]);
        return n;
      });
    }
    if (wrote) this.kick();
    // More parts than one pass takes: go on.
    if (parts.length === 200) await this.evaluateNow();
  }

  /**
   * Stations and gauges someone watches whose catalog item changed since it was last read (a new version or a
   * longer series): their observations newer than the latest one seen are matched. The first reading only
   * notes where the series stands (what it already holds is not news).
   */
  private async evaluateSeries(): Promise<void> {
    const read = this.o.itemSeries;
    if (!read) return;
    const changed = await this.o.db.query<{ feature: SeriesFeature; id: string; marker: string; last_time: string | null; seen: boolean }>(
      `select distinct s.feature, s.feature_id as id, i.version || '|' || i.end_datetime::text as marker, a.last_time, a.feature is not null as seen
         from subscriptions s
         join items i on i.id = s.feature_id and i.collection = case s.feature ${Object.entries(SERIES_FEATURES)
           .map(([f, c]) => `when '${f}' then '${c}'`)
           .join(' ')} end
         left join alert_series_seen a on a.feature = s.feature and a.id = s.feature_id
        where s.feature in (${Object.keys(SERIES_FEATURES)
          .map((f) => `'${f}'`)
          .join(', ')}) and (a.marker is null or a.marker <> i.version || '|' || i.end_datetime::text)`
    );
    let wrote = 0;
    for (const c of changed) {
      const series = await read(SERIES_FEATURES[c.feature], c.id);
      const points = series?.points ?? [];
      const latest = points.reduce<string | null>((a, p) => (!a || p.time > a ? p.time : a), c.last_time);
      const fresh = c.seen ? points.filter((p) => !c.last_time || p.time > c.last_time) : [];
      const observed: Observed[] = fresh.map((p) => ({
        id: c.id,
        time: p.time,
        wse: p.value,
        quality: null,
        lon: null,
        lat: null,
        granule: `series:${p.time}`,
        variable: series!.variable,
        units: series!.units
      }));
      const subs = observed.length
        ? (await this.o.db.query<Row>(`select * from subscriptions where feature = $1 and feature_id = $2 and condition <> 'silence'`, [c.feature, c.id])).map(
            toSubscription
          )
        : [];
      wrote += await this.o.db.transaction(async (tx) => {
        const n = subs.length ? await this.match(tx, subs, observed, c.feature) : 0;
        await tx.query(
          `insert into alert_series_seen (feature, id, marker, last_time) values ($1, $2, $3, $4)
           on conflict (feature, id) do update set marker = excluded.marker, last_time = excluded.last_time`,
          [c.feature, c.id, c.marker, latest]
        );
        return n;
      });
    }
    if (wrote) this.kick();
  }

  /** The observations of a granule part (or, once compacted and removed, of its granule in the compacted part). */
  private async read(part: { feature: FeatureType; path: string; granule: string | null; compacted_into: string | null }): Promise<Observed[]> {
    const { idField } = FEATURES[part.feature];
    const series = seriesFiles(this.o.dataDir);
    const own = await series.has(part.path);
    // A granule part already removed (its buckets compacted): its rows in the compacted parts of its buckets.
    const files = own
      ? [part.path]
      : (
          await this.o.db.query<{ path: string; pieces: Piece[] | null }>(
            `select distinct on (c.path) c.path, c.pieces from ts_parts p join ts_parts c on c.path = p.compacted_into and c.kind = 'compacted'
              where p.path = $1 and p.compacted_into is not null`,
            [part.path]
          )
        ).flatMap(partFiles);
    const present: string[] = [];
    for (const f of files) if (await series.has(f)) present.push(f);
    if (present.length === 0) return [];
    const duck = await this.o.duck();
    const list = (await series.local(present)).map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
    const columns = new Set(
      (await duck.runAndReadAll(`describe select * from read_parquet([${list}], union_by_name = true)`)).getRowObjectsJS().map((r) => String(r['column_name']))
    );
    const col = (c: string, as: string) => (columns.has(c) ? `"${c}" as ${as}` : `null as ${as}`);
    const g = part.granule?.replace(/'/g, "''");
    // In a compacted part, the granule's rows (granuleUR: its file's name, the granule with an extension or none).
    const where = own || !g ? '' : `where granuleUR = '${g}' or starts_with(granuleUR, '${g}.')`;
    const rows = (
      await duck.runAndReadAll(
        `select "${idField}"::varchar as id, strftime(time, '%Y-%m-%dT%H:%M:%S.%gZ') as time, ${col('wse', 'wse')}, ${col(QUALITY_FIELD[part.feature], 'quality')},
                ${col('p_lon', 'lon')}, ${col('p_lat', 'lat')}, granuleUR::varchar as granule from read_parquet([${list}], union_by_name = true) ${where}`
      )
    ).getRowObjectsJS();
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 1e11 ? v : typeof v === 'bigint' ? Number(v) : null);
    return rows.map((r) => ({
      id: String(r['id']),
      time: (r['time'] as string | null) ?? null,
      wse: num(r['wse']),
      quality: num(r['quality']),
      lon: num(r['lon']),
      lat: num(r['lat']),
      granule: String(r['granule'] ?? part.granule ?? '')
    }));
  }

  /** Writes the notifications of the observations that meet subscriptions (rate limited per subscription). */
  private async match(tx: Queryable, subs: Subscription[], observed: Observed[], feature: AlertFeature): Promise<number> {
    const byId = new Map<string, Subscription[]>();
    const areas: Subscription[] = [];
    for (const s of subs) {
      if (s.feature_id) byId.set(s.feature_id, [...(byId.get(s.feature_id) ?? []), s]);
      else areas.push(s);
    }
    const hits: { s: Subscription; o: Observed }[] = [];
    for (const o of observed) {
      const candidates = [...(byId.get(o.id) ?? [])];
      for (const a of areas)
        if (o.lon !== null && o.lat !== null && o.lon >= a.bbox![0] && o.lon <= a.bbox![2] && o.lat >= a.bbox![1] && o.lat <= a.bbox![3]) candidates.push(a);
      for (const s of candidates) if (meets(s, o)) hits.push({ s, o });
    }
    if (!hits.length) return 0;
    // How many each subscription already had this hour (rate limit).
    const ids = [...new Set(hits.map((h) => h.s.id))];
    const recent = new Map(
      (
        await tx.query<{ subscription: string; n: number }>(
          `select subscription, count(distinct dedupe)::int as n from notifications where subscription = any($1::text[]) and at > now() - interval '1 hour' and status <> 'suppressed' group by subscription`,
          [ids]
        )
      ).map((r) => [r.subscription, r.n])
    );
    const base = this.o.publicUrl();
    const kind = PAGE_KIND[feature];
    // One insert for all of them (rows as parallel arrays): a granule can meet hundreds of subscriptions.
    const rows: { sub: string[]; channel: string[]; dedupe: string[]; payload: string[]; status: string[] } = {
      sub: [],
      channel: [],
      dedupe: [],
      payload: [],
      status: []
    };
    for (const { s, o } of hits) {
      const used = recent.get(s.id) ?? 0;
      const suppressed = used >= s.max_per_hour;
      recent.set(s.id, used + 1);
      const payload = JSON.stringify({
        type: 'hysope.notification',
        subscription: s.id,
        condition: s.condition,
        threshold: s.threshold,
        feature: s.feature,
        feature_id: o.id,
        observation: o.variable
          ? { time: o.time, variable: o.variable, value: o.wse, units: o.units }
          : { time: o.time, wse: o.wse, quality: o.quality, lon: o.lon, lat: o.lat, granule: o.granule },
        link: `${base}/portal/${kind}/${o.id}`
      } satisfies Omit<AlertNotification, 'id' | 'at'>);
      const channels: Channel[] = ['portal', ...(s.webhook ? (['webhook'] as const) : []), ...(s.email && this.o.mailer ? (['email'] as const) : [])];
      for (const channel of channels) {
        rows.sub.push(s.id);
        rows.channel.push(channel);
        rows.dedupe.push(`${o.granule}:${o.id}`);
        rows.payload.push(payload);
        rows.status.push(suppressed ? 'suppressed' : channel === 'portal' ? 'delivered' : 'pending');
      }
    }
    const inserted = await tx.query(
      `insert into notifications (subscription, channel, dedupe, payload, status, delivered)
       select r.sub, r.channel, r.dedupe, r.payload::jsonb, r.status, case when r.status = 'delivered' then now() end
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) as r(sub, channel, dedupe, payload, status)
       on conflict do nothing returning id`,
      [rows.sub, rows.channel, rows.dedupe, rows.payload, rows.status]
    );
    return inserted.length;
  }

  /** "No data for N days": each such subscription whose feature's latest observation is older (once per silence). */
  async checkSilence(latest: (feature: AlertFeature, id: string) => Promise<string | null>): Promise<void> {
    const subs = (await this.o.db.query<Row>("select * from subscriptions where condition = 'silence'")).map(toSubscription);
    let wrote = 0;
    for (const s of subs) {
      const last = await latest(s.feature, s.feature_id!);
      const since = last ? Date.parse(last) : Date.parse(s.created);
      if (Date.now() - since < s.threshold! * 86400_000) continue;
      const payload = {
        type: 'hysope.notification',
        subscription: s.id,
        condition: 'silence',
        threshold: s.threshold,
        feature: s.feature,
        feature_id: s.feature_id,
        last_observation: last,
        link: `${this.o.publicUrl()}/portal/${PAGE_KIND[s.feature]}/${encodeURIComponent(s.feature_id!)}`
      } satisfies Omit<AlertNotification, 'id' | 'at'>;
      const channels: Channel[] = ['portal', ...(s.webhook ? (['webhook'] as const) : []), ...(s.email && this.o.mailer ? (['email'] as const) : [])];
      for (const channel of channels)
        wrote += (
          await this.o.db.query(
            `insert into notifications (subscription, channel, dedupe, payload, status, delivered) values ($1, $2, $3, $4, $5, $6) on conflict do nothing returning id`,
            [
              s.id,
              channel,
              `silence:${last ?? 'never'}`,
              JSON.stringify(payload),
              channel === 'portal' ? 'delivered' : 'pending',
              channel === 'portal' ? new Date() : null
            ]
          )
        ).length;
    }
    if (wrote) this.kick();
  }

  /** Sends what is pending now (soon after a write; then as retries fall due). */
  kick(): void {
    if (this.closed) return;
    if (this.delivering) {
      this.again = true;
      return;
    }
    void this.deliver();
  }

  private async deliver(): Promise<void> {
    this.delivering = true;
    try {
      do {
        this.again = false;
        const due = await this.o.db.query<{
          id: string;
          channel: Channel;
          payload: unknown;
          attempts: number;
          subscription: string;
          webhook: string | null;
          email: string | null;
          secret: string;
          unsubscribe: string;
        }>(
          `select n.id, n.channel, n.payload, n.attempts, n.subscription, s.webhook, s.email, s.secret, s.unsubscribe
             from notifications n join subscriptions s on s.id = n.subscription
            where n.status = 'pending' and n.next_attempt <= now() order by n.id limit 200`
        );
        await Promise.all(due.map((n) => this.send(n)));
        if (due.length === 200) this.again = true;
      } while (this.again && !this.closed);
    } catch (error) {
      this.o.log?.warn({ err: error }, 'alert delivery');
    } finally {
      this.delivering = false;
    }
    // The next retry that falls due.
    if (this.closed) return;
    const next = (
      await this.o.db.query<{ at: Date | string | null }>(`select min(next_attempt) as at from notifications where status = 'pending'`).catch(() => [])
    )[0]?.at;
    if (this.deliverTimer) clearTimeout(this.deliverTimer);
    if (next) this.deliverTimer = setTimeout(() => this.kick(), Math.max(50, new Date(next).getTime() - Date.now()));
  }

  private async send(n: {
    id: string;
    channel: Channel;
    payload: unknown;
    attempts: number;
    webhook: string | null;
    email: string | null;
    secret: string;
    unsubscribe: string;
  }): Promise<void> {
    const body = JSON.stringify(typeof n.payload === 'string' ? JSON.parse(n.payload) : n.payload);
    try {
      if (n.channel === 'webhook') {
        const timestamp = String(Math.floor(Date.now() / 1000));
        const res = await (this.o.fetchImpl ?? fetch)(n.webhook!, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'User-Agent': 'HYSOPE-alerts/1',
            'X-Hysope-Timestamp': timestamp,
            'X-Hysope-Signature': `sha256=${signature(n.secret, timestamp, body)}`,
            'X-Hysope-Delivery': String(n.id)
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(10_000)
        });
        if (res.status < 200 || res.status >= 300) throw new Error(`the webhook answered ${res.status}`);
        await res.arrayBuffer().catch(() => undefined);
      } else if (n.channel === 'email') {
        const p = JSON.parse(body) as {
          condition: string;
          feature: string;
          feature_id: string;
          threshold: number | null;
          observation?: { time: string; wse?: number | null; variable?: string; value?: number | null; units?: string };
          link: string;
        };
        const url = this.unsubscribeUrl(n.unsubscribe);
        await this.o.mailer!.send({
          to: n.email!,
          subject: `HYSOPE: ${p.feature} ${p.feature_id} — ${describe(p.condition, p.threshold, p.observation?.variable, p.observation?.units)}`,
          text: [
            `${p.feature} ${p.feature_id}: ${describe(p.condition, p.threshold, p.observation?.variable, p.observation?.units)}.`,
            p.observation ? `Observed ${p.observation.time}${observedText(p.observation)}.` : '',
            `See it: ${p.link}`,
            '',
            `Stop these messages: ${url}`
          ].join('\n'),
          headers: { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
        });
      }
      await this.o.db.query(`update notifications set status = 'delivered', delivered = now(), attempts = attempts + 1, error = null where id = $1`, [n.id]);
    } catch (error) {
      const attempts = n.attempts + 1;
      const failed = attempts >= MAX_ATTEMPTS;
      await this.o.db.query(`update notifications set attempts = $2, error = $3, status = $4, next_attempt = now() + make_interval(secs => $5) where id = $1`, [
        n.id,
        attempts,
        (error as Error).message.slice(0, 500),
        failed ? 'failed' : 'pending',
        Math.min(3600, 2 ** attempts)
      ]);
    }
  }

  close(): void {
    this.closed = true;
    if (this.deliverTimer) clearTimeout(this.deliverTimer);
  }
}

/** A condition in words, for e-mail subjects. */
export function describe(condition: string, threshold: number | null, variable = 'water surface elevation', units = 'm'): string {
  const what = variable.replace(/_/g, ' ');
  switch (condition) {
    case 'new':
      return 'new observation';
    case 'above':
      return `${what} above ${threshold} ${units}`;
    case 'below':
      return `${what} below ${threshold} ${units}`;
    case 'quality':
      return `quality worse than ${['good', 'suspect', 'degraded'][threshold ?? 0]}`;
    case 'silence':
      return `no data for ${threshold} days`;
    default:
      return condition;
  }
}

/** ", water surface elevation 12.3 m" (SWOT) or ", discharge 410 m3/s" (a gauge), or nothing. */
function observedText(o: { wse?: number | null; variable?: string; value?: number | null; units?: string }): string {
  if (o.variable) return o.value === null || o.value === undefined ? '' : `, ${o.variable.replace(/_/g, ' ')} ${o.value} ${o.units ?? ''}`.trimEnd();
  return o.wse === null || o.wse === undefined ? '' : `, water surface elevation ${o.wse} m`;
}
