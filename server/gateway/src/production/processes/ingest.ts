import { readProduct, rowsOf } from '../../formats/index.js';
import type { ProcessDefinition } from '../process.js';

/** Ingests granules into the catalog: the worker reads them (a bad one fails the job with its reason), the gateway then stores them. */
export const ingest: ProcessDefinition = {
  id: 'ingest',
  title: 'Ingest granules',
  description: "Reads SWOT, Hydroweb, Hub'Eau or in-situ files on the server and adds them to the catalog (GeoParquet products, STAC items).",
  version: '1.0.0',
  keywords: ['catalog', 'ingest'],
  inputs: {
    files: { title: 'Paths on the server (inside an inbox folder)', schema: { type: 'array', items: { type: 'string' }, minItems: 1 }, minOccurs: 1 }
  },
  outputs: { products: { title: 'Products read', schema: { type: 'array' } } },
  jobControlOptions: ['sync-execute', 'async-execute', 'dismiss'],
  execute: 'producer',
  serverPaths: ['files'],
  async run(ctx) {
    const files = ctx.inputs['files'] as string[];
    const products: { file: string; collection: string; id: string; rows: number }[] = [];
    for (const [i, file] of files.entries()) {
      if (ctx.signal.aborted) throw new Error('cancelled');
      const p = await readProduct(file);
      products.push({ file, collection: p.collection, id: p.id, rows: rowsOf(p) });
      ctx.progress(Math.round(((i + 1) / files.length) * 100), `read ${p.id}`);
    }
    return { outputs: { products: { value: products } }, register: { ingest: files } };
  }
};
