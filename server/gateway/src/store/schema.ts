import { createHash } from 'node:crypto';
import type { Database } from './database.js';

/**
 * The catalog schema. Items keep their STAC content as JSON plus the columns searches filter on:
 * a `box` with a GiST index for bbox overlap (core PostgreSQL: works on PGlite and servers alike)
 * and time bounds.
 */
/** Sets the longest item span of collections that have items but no span yet (catalogs older than the column, bulk loads). */
export const SPAN_BACKFILL = `update collections c set max_span = (select extract(epoch from max(i.end_datetime - i.start_datetime))::float8 from items i where i.collection = c.id)
  where c.max_span is null and exists (select 1 from items i where i.collection = c.id)`;

export const SCHEMA = `
create table if not exists collections (
  id text primary key,
  content jsonb not null,
  access text not null default 'public',
  updated timestamptz not null default now()
);
create table if not exists items (
  collection text not null references collections(id),
  id text not null,
  granule_key text not null,
  version text not null,
  deprecated boolean not null default false,
  start_datetime timestamptz not null,
  end_datetime timestamptz not null,
  west double precision not null,
  south double precision not null,
  east double precision not null,
  north double precision not null,
  bbox box not null,
  properties jsonb not null,
  content jsonb not null,
  search_text text not null default '',
  created timestamptz not null default now(),
  primary key (collection, id)
);
create index if not exists items_bbox on items using gist (bbox);
create index if not exists items_start on items (start_datetime desc, collection, id);
create index if not exists items_end on items (end_datetime);
create index if not exists items_granule on items (collection, granule_key);
-- Space and time in one index: a small box over a short window is one probe, whatever the catalog holds.
create index if not exists items_space_time on items using gist (bbox, tstzrange(start_datetime, end_datetime, '[]'));
create table if not exists timeseries_fields (
  feature text not null,
  field text not null,
  type text not null,
  units text,
  fill text,
  primary key (feature, field)
);
-- How granules typed their fields and wrote their fills, once per distinct source (rows of the time-series store carry its key).
create table if not exists timeseries_sources (
  key text primary key,
  source text not null
);
alter table collections add column if not exists owner text;
-- The longest time span of a collection's items (seconds): a search from T needs only items starting after
-- T minus it, which bounds the start-time index on both sides (null: not known yet, no bound).
alter table collections add column if not exists max_span double precision;
${SPAN_BACKFILL};
alter table items add column if not exists owner text;
create table if not exists users (
  name text primary key,
  role text not null,
  created timestamptz not null default now()
);
create table if not exists api_keys (
  hash text primary key,
  user_name text not null references users(name) on delete cascade,
  created timestamptz not null default now()
);
create table if not exists jobs (
  id text primary key,
  process_id text not null,
  status text not null,
  progress int not null default 0,
  message text not null default '',
  inputs jsonb not null,
  outputs jsonb,
  error text,
  owner text,
  executor text not null,
  pid int,
  external_id text,
  dir text not null,
  created timestamptz not null default now(),
  started timestamptz,
  finished timestamptz,
  updated timestamptz not null default now()
);
create index if not exists jobs_status on jobs (status);
-- The time-series store's index: which Parquet part holds which bucket (first 4 digits of the feature ids) of a
-- feature type. A granule's own part is listed under each bucket it covers; a compacted part (one bucket, many
-- granules) replaces them for reading: a granule part with compacted_into set is read through that part.
create table if not exists ts_parts (
  feature text not null,
  bucket text not null,
  path text not null,
  kind text not null,
  granule text,
  rows int not null,
  compacted_into text,
  created timestamptz not null default now(),
  primary key (feature, bucket, path)
);
create index if not exists ts_parts_path on ts_parts (path);
-- A granule part whose rows all live in compacted parts is removed (the store holds each observation once); its
-- rows stay listed (they say where the granule went).
alter table ts_parts add column if not exists removed boolean not null default false;
create index if not exists ts_parts_granule on ts_parts (feature, granule);
create index if not exists ts_parts_pending on ts_parts (feature, bucket) where kind = 'granule' and compacted_into is null;
-- A compacted part written as pieces (a folder of files of consecutive feature ids): each piece's id range and rows.
alter table ts_parts add column if not exists pieces jsonb;
create table if not exists deployed_processes (
  id text primary key,
  cwl text not null,
  description jsonb not null,
  owner text,
  created timestamptz not null default now()
);
alter table api_keys add column if not exists job_id text;
alter table api_keys add column if not exists expires timestamptz;
create index if not exists api_keys_job on api_keys (job_id);
alter table jobs add column if not exists uid int;
alter table jobs add column if not exists error_kind text;
alter table jobs add column if not exists delivery jsonb;
-- The host whose gateway runs a job with the local executor (its process id means something there only).
alter table jobs add column if not exists host text;
alter table jobs add column if not exists runner text;
create sequence if not exists job_uids;
alter table api_keys add column if not exists id text;
alter table api_keys add column if not exists name text;
alter table api_keys add column if not exists last_used timestamptz;
update api_keys set id = substr(hash, 1, 12) where id is null;
create table if not exists access_log (
  at timestamptz not null default now(),
  user_name text,
  role text not null,
  action text not null,
  collection text not null,
  item text,
  level text not null
);
create index if not exists access_log_at on access_log (at);
create index if not exists access_log_user on access_log (user_name, at);
create table if not exists subscriptions (
  id text primary key,
  owner text not null,
  feature text not null,
  feature_id text,
  bbox double precision[],
  condition text not null,
  threshold double precision,
  webhook text,
  email text,
  secret text not null,
  unsubscribe text not null unique,
  max_per_hour int not null default 60,
  created timestamptz not null default now()
);
create index if not exists subscriptions_owner on subscriptions (owner);
create index if not exists subscriptions_feature on subscriptions (feature, feature_id);
create table if not exists notifications (
  id bigserial primary key,
  subscription text not null references subscriptions(id) on delete cascade,
  channel text not null,
  dedupe text not null,
  at timestamptz not null default now(),
  payload jsonb not null,
  status text not null,
  attempts int not null default 0,
  next_attempt timestamptz not null default now(),
  delivered timestamptz,
  error text,
  unique (subscription, channel, dedupe)
);
create index if not exists notifications_pending on notifications (next_attempt) where status = 'pending';
create index if not exists notifications_recent on notifications (subscription, at);
create table if not exists alert_seen (
  path text primary key,
  at timestamptz not null default now()
);
-- Station and gauge series watched by subscriptions: the item version last read and its latest observation.
create table if not exists alert_series_seen (
  feature text not null,
  id text not null,
  marker text not null,
  last_time text,
  primary key (feature, id)
);
-- The community gallery: published notebooks with what they read pinned (see dissemination/gallery.ts).
create table if not exists gallery (
  id text primary key,
  title text not null,
  description text not null default '',
  tags text[] not null default '{}',
  license text not null,
  author text not null,
  created timestamptz not null default now(),
  forked_from text,
  level text not null,
  kernel jsonb not null,
  packages jsonb not null,
  pins jsonb not null,
  outputs int not null,
  notebook jsonb not null
);
create index if not exists gallery_created on gallery (created desc);
-- HYDRA's events, numbered in one sequence across gateway replicas (SSE ids: a subscriber reconnecting to any
-- replica with Last-Event-ID gets what it missed); the last ones only are kept.
create table if not exists events (
  id bigserial primary key,
  type text not null,
  at timestamptz not null,
  data jsonb not null
);
-- Work done once across gateway replicas (the time-series compaction, ...): who holds it, until when.
create table if not exists leases (
  name text primary key,
  holder text not null,
  until timestamptz not null
);
-- Requests each gateway replica let through, per caller (its rate limit is shared: every replica debits the others').
create table if not exists rate_spends (
  id bigserial primary key,
  holder text not null,
  key text not null,
  spent int not null,
  at timestamptz not null default now()
);
-- Harvested sources (a provider and what was asked of it: \`obs_elab/K447001001/QmnJ\`): how far the catalog holds
-- them (the last observation ingested), the last success and the last failure.
create table if not exists harvest_sources (
  source text not null,
  key text not null,
  high_water text,
  records bigint not null default 0,
  last_success timestamptz,
  last_attempt timestamptz,
  last_error text,
  primary key (source, key)
);
-- The configured harvest schedules' last occurrence run (one gateway runs them, under a lease).
create table if not exists harvest_schedules (
  name text primary key,
  last_run timestamptz not null
);
create table if not exists schema_version (version int primary key);
insert into schema_version (version) values (1) on conflict do nothing;
`;

/** Creates the tables if they are not there yet (idempotent). */
/** What names the schema (the embedded catalog's template is made once per schema). */
export const SCHEMA_KEY = createHash('sha256').update(SCHEMA).digest('hex').slice(0, 16);

export async function migrate(db: Database): Promise<void> {
  await db.exec(SCHEMA);
}
