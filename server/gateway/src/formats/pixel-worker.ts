import { workerData } from 'node:worker_threads';
import { DatasetReader, hdf5, type H5Dataset, type H5Group, type Typed } from './hdf5-reader.js';
import { ARRAYS, EMPTY, FULL, flag, reportFailure, type BlockJob } from './pixel-blocks.js';

/**
 * The reading thread of a pixel-cloud ingest: inflates every numeric dataset of the pixel group, block
 * after block, into the shared slots, waiting while all slots are full (see PixelBlocks).
 */
async function run(job: BlockJob): Promise<void> {
  const control = new Int32Array(job.control as unknown as ArrayBuffer);
  const stop = flag(job.slots, 'stop');
  Atomics.store(control, flag(job.slots, 'started'), 1);
  const h5 = new (await hdf5()).File(job.file, 'r');
  try {
    const group = h5.get(job.group) as H5Group;
    const readers = job.datasets.map((d) => new DatasetReader(group.get(d.name) as H5Dataset, job.length));
    for (let block = 0; block * job.blockRows < job.length; block++) {
      const slot = block % job.slots;
      while (Atomics.load(control, slot) !== EMPTY) {
        if (Atomics.load(control, stop)) return;
        Atomics.wait(control, slot, FULL, 200);
      }
      if (Atomics.load(control, stop)) return;
      const from = block * job.blockRows;
      const rows = Math.min(job.blockRows, job.length - from);
      job.datasets.forEach((d, k) => {
        const { values, at } = readers[k]!.rows(from, rows);
        const target = new ARRAYS[d.array](job.data as unknown as ArrayBuffer, slot * job.slotBytes + d.offset, rows * d.width) as Typed;
        const source = (values as Typed).subarray(at, at + rows * d.width);
        if (source.constructor === target.constructor) (target as Float64Array).set(source as Float64Array);
        else for (let i = 0; i < source.length; i++) (target as Float64Array)[i] = Number(source[i]);
      });
      Atomics.store(control, slot, FULL);
      Atomics.notify(control, slot);
    }
  } finally {
    h5.close();
  }
}

run(workerData as BlockJob).catch((error: Error) => reportFailure(workerData as BlockJob, error.message));
