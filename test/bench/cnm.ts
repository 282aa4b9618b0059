import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { findRabbit, startRabbit } from '../amqp-server.js';
import { REACHES_PASS_51, sample } from '../helpers.js';
import { findBin, startPostgres } from '../pg-server.js';
import { report } from './stats.js';
import { serveProcess, type Served } from '../hysope-serve.js';
import { cnmNotification } from '../messages.js';

const HYSOPE = fileURLToPath(new URL('../../server/gateway/bin/hysope.js', import.meta.url));
const NODE_51 = sample('swot/riversp/SWOT_L2_HR_RiverSP_Node_1_51_NA_20100816T184024_20100816T184031_PGA2_03.zip');

/**
 * CNM ingest throughput over RabbitMQ: `granules` notifications (reach and node granules, each a distinct granule:
 * sample files under new cycle numbers, sizes and md5 checksums given) consumed by 1, 2 and 4 `hysope serve`
 * processes over one PostgreSQL, data folder and broker; granules/s from the first publish to the last CNM response.
 * Baseline, same run: `hysope ingest` of the same number of files in one process (no broker, no checksums).
 */
export async function benchCnm(granules = 80, workers = [1, 2, 4]): Promise<void> {
  const rabbit = findRabbit();
  const pgBin = findBin();
  if (!rabbit || !pgBin) throw new Error('the CNM bench needs rabbitmq-server and PostgreSQL (scripts/install.sh)');
  const broker = await startRabbit(rabbit);
  const pg = await startPostgres(pgBin);
  const inbox = mkdtempSync(path.join(os.tmpdir(), 'hysope-bench-cnm-'));
  let cycle = 100;
  /** Copies of the samples under new cycle numbers: every message a granule of its own. */
  const batch = (n: number) =>
    Array.from({ length: n }, (_, i) => {
      const from = i % 2 ? NODE_51 : REACHES_PASS_51[0]!;
      const to = path.join(inbox, path.basename(from).replace(/_1_51_NA_/, `_${cycle++}_51_NA_`));
      copyFileSync(from, to);
      return to;
    });
  try {
    // A database of its own for each run (its catalog starts empty).
    const database = (name: string) => {
      const made = spawnSync('psql', [pg.url, '-c', `create database ${name}`], { encoding: 'utf8' });
      if (made.status !== 0) throw new Error(`psql: ${made.stderr}`);
      return pg.url.replace(/\/postgres$/, `/${name}`);
    };
    // Baseline: the same kind of files through `hysope ingest` in one process, on PostgreSQL too.
    const plain = batch(granules);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [HYSOPE, 'ingest', '--data', path.join(inbox, 'plain'), ...plain], {
      env: { ...process.env, HYSOPE_LOG_LEVEL: 'warn', HYSOPE_DATABASE_URL: database('bench_plain') },
      encoding: 'utf8'
    });
    if (r.status !== 0) throw new Error(`hysope ingest: ${r.stderr}`);
    const baseline = granules / ((performance.now() - t0) / 1000);
    for (const n of workers) {
      const vhost = broker.vhost(`bench-${n}`);
      const data = mkdtempSync(path.join(inbox, 'data-'));
      const env = {
        ...process.env,
        HYSOPE_DATABASE_URL: database(`bench_${n}`),
        HYSOPE_AMQP_URL: vhost,
        HYSOPE_INBOXES: inbox,
        HYSOPE_LOG_LEVEL: 'warn',
        HYSOPE_RATE_LIMIT: '0'
      };
      const children: Served[] = [];
      for (let k = 0; k < n; k++) children.push(await serveProcess(data, env));
      const connection = await amqp.connect(vhost);
      try {
        const ch = await connection.createChannel();
        const { queue } = await ch.assertQueue('', { exclusive: true });
        await ch.bindQueue(queue, 'hysope.cnm.responses', '#');
        let ok = 0;
        let failed = 0;
        let done: () => void = () => {};
        const finished = new Promise<void>((resolve) => (done = resolve));
        await ch.consume(
          queue,
          (m) => {
            if (!m) return;
            if ((JSON.parse(m.content.toString()) as { response: { status: string } }).response.status === 'SUCCESS') ok++;
            else failed++;
            if (ok + failed === granules) done();
          },
          { noAck: true }
        );
        const files = batch(granules);
        const t = performance.now();
        files.forEach((f, i) => ch.sendToQueue('hysope.ingest', Buffer.from(JSON.stringify(cnmNotification(`bench-${n}-${i}`, [f]))), { persistent: true }));
        await finished;
        const rate = granules / ((performance.now() - t) / 1000);
        report(
          `CNM ingest over RabbitMQ, ${granules} reach and node granules, ${n} gateway process(es) consuming (${failed} failed): throughput`,
          rate,
          'granules/s',
          { name: '`hysope ingest` of as many in one process (no broker; process start included)', value: baseline, higherIsBetter: true }
        );
      } finally {
        await connection.close().catch(() => undefined);
        await Promise.all(children.map((c) => c.stop()));
      }
    }
  } finally {
    await broker.stop();
    pg.stop();
    rmSync(inbox, { recursive: true, force: true });
  }
}
