// The community gallery: publish → browse → preview → fork → re-run with the pinned item versions after a newer
// granule superseded one, and the check of the re-run's outputs; access levels follow what a notebook read.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog, READS_MIME, clearReads, readsBundle } from '@hysope/kernels-bridge';
import { compareOutputs } from '../../server/gateway/src/dissemination/gallery.js';
import { REACHES_PASS_51, REACH_548, backends, call, startGateway, type TestGateway } from '../helpers.js';

/** A notebook as Jupyter saves it after a run: the search's ids printed, the reads output, a plot, markdown. */
function notebookOf(ids: string[], reads: Record<string, unknown>) {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' }, language_info: { name: 'typescript', version: '5.9.3' } },
    cells: [
      { cell_type: 'markdown', metadata: {}, source: ['# Reach 548\n', 'WSE of <b>one</b> pass <script>alert(1)</script>\n'] },
      {
        cell_type: 'code',
        metadata: {},
        execution_count: 1,
        source: "const items = await catalog.search({ collections: ['swot-riversp-reach'], filter: '\"swot:cycle\" = 548' });",
        outputs: [{ output_type: 'stream', name: 'stdout', text: `${ids.join('\n')}\n` }]
      },
      {
        cell_type: 'code',
        metadata: {},
        execution_count: 2,
        source: 'show.reads()',
        outputs: [
          { output_type: 'display_data', metadata: {}, data: reads },
          {
            output_type: 'display_data',
            metadata: {},
            data: { 'image/png': 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==' }
          }
        ]
      }
    ]
  };
}

describe.each(backends())('the gallery on $name', ({ databaseUrl }) => {
  let g: TestGateway;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let student: Record<string, string>;
  let published: { id: string; pins: { collection: string; id: string; version: string | null }[] };
  const oldId = 'SWOT_L2_HR_RiverSP_Reach_548_011_NA_20230610T193337_20230610T193344_PIA1_01';
  const newId = oldId.replace('PIA1', 'PIB0');

  beforeAll(async () => {
    // One kernel per notebook: what an earlier suite of this process read is not this one's.
    clearReads();
    g = await startGateway({ databaseUrl, env: { HYSOPE_RATE_LIMIT: '0' } });
    for (const f of [REACH_548, REACHES_PASS_51[0]!]) expect((await g.ingest(f)).ok).toBe(true);
    alice = (await g.user('alice', 'scientific')).headers;
    bob = (await g.user('bob', 'scientific')).headers;
    student = (await g.user('sam', 'educational')).headers;
  }, 120_000);
  afterAll(async () => {
    delete process.env['HYSOPE_PINS'];
    await g?.stop();
  });

  it('publishes a notebook with the items kernels-bridge recorded as read, the kernel and its outputs', async () => {
    const catalog = new Catalog({ url: g.url, token: alice['Authorization']!.replace(/^token /, '') });
    const items = await catalog.search({ collections: ['swot-riversp-reach'], filter: '"swot:cycle" = 548' });
    expect(items.map((i) => i.id)).toEqual([oldId]);
    const reads = readsBundle();
    expect((reads[READS_MIME] as { reads: unknown[] }).reads).toContainEqual({ collection: 'swot-riversp-reach', id: oldId, version: 'PIA1_01' });
    const body = { title: 'WSE of reach 548', description: 'One pass of the Fraser', tags: ['SWOT', 'river'], license: 'CC-BY-4.0' };
    expect((await call(`${g.url}/gallery`, { method: 'POST', json: { ...body, notebook: notebookOf([oldId], reads) } })).status).toBe(401);
    const r = await call(`${g.url}/gallery`, { method: 'POST', headers: alice, json: { ...body, notebook: notebookOf([oldId], reads) } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.headers.get('location')).toBe(`/gallery/${r.body.id}`);
    expect(r.body).toMatchObject({ author: 'alice', license: 'CC-BY-4.0', tags: ['swot', 'river'], level: 'public', outputs: 3, forked_from: null });
    expect(r.body.kernel).toEqual({ name: 'tslab', display_name: 'TypeScript', language: 'typescript', version: '5.9.3' });
    expect(r.body.pins).toContainEqual({ collection: 'swot-riversp-reach', id: oldId, version: 'PIA1_01' });
    published = r.body;
    // What is not a notebook, or has no licence, says what to fix.
    const bad = await call(`${g.url}/gallery`, { method: 'POST', headers: alice, json: { ...body, notebook: { cells: 'x' } } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ title: expect.any(String), status: 400, detail: expect.stringMatching(/nbformat 4/) });
    expect(
      (await call(`${g.url}/gallery`, { method: 'POST', headers: alice, json: { ...body, license: '', notebook: notebookOf([], {}) } })).body.detail
    ).toMatch(/SPDX/);
  });

  it('is browsed and searched by anyone, previewed without running anything, downloaded with its pins', async () => {
    const list = await call(`${g.url}/gallery?q=fraser`);
    expect(list.body.notebooks.map((n: { id: string }) => n.id)).toContain(published.id);
    expect((await call(`${g.url}/gallery?tag=river`)).body.notebooks.map((n: { id: string }) => n.id)).toContain(published.id);
    expect((await call(`${g.url}/gallery?tag=lakes`)).body.notebooks.map((n: { id: string }) => n.id)).not.toContain(published.id);
    expect((await call(`${g.url}/gallery?limit=0`)).status).toBe(400);
    const preview = await fetch(`${g.url}/gallery/${published.id}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const html = await preview.text();
    expect(html).toContain('<h1>Reach 548</h1>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('<img alt="output" src="data:image/png;base64,');
    expect(html).toContain(oldId);
    const file = await fetch(`${g.url}/gallery/${published.id}/notebook.ipynb`);
    expect(file.headers.get('content-disposition')).toMatch(/WSE-of-reach-548\.ipynb/);
    const nb = (await file.json()) as { metadata: { hysope: { reads: unknown[]; gallery: string } } };
    expect(nb.metadata.hysope.gallery).toBe(published.id);
    expect(nb.metadata.hysope.reads).toEqual(published.pins);
    expect((await call(`${g.url}/gallery/not-an-id`)).status).toBe(404);
  });

  it('is forked under another name, remembering where it came from; only its author removes it', async () => {
    const fork = await call(`${g.url}/gallery/${published.id}/fork`, { method: 'POST', headers: bob, json: { tags: ['fork'] } });
    expect(fork.status).toBe(201);
    expect(fork.body).toMatchObject({ author: 'bob', title: 'WSE of reach 548 (fork)', forked_from: published.id, tags: ['fork'], pins: published.pins });
    expect(fork.body.links.find((l: { rel: string }) => l.rel === 'predecessor-version').href).toMatch(published.id);
    expect((await call(`${g.url}/gallery/${fork.body.id}`, { method: 'DELETE', headers: alice })).status).toBe(403);
    expect((await call(`${g.url}/gallery/${fork.body.id}`, { method: 'DELETE', headers: bob })).status).toBe(204);
    expect((await call(`${g.url}/gallery/${fork.body.id}`)).status).toBe(404);
  });

  it('a re-run with its pins reads the versions it was published with after a newer CRID superseded them, and the check says the outputs match', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-gallery-'));
    const newer = path.join(dir, path.basename(REACH_548).replace('_PIA1_01', '_PIB0_01'));
    await copyFile(REACH_548, newer);
    expect((await g.ingest(newer)).ok).toBe(true);
    await rm(dir, { recursive: true });
    const catalog = new Catalog({ url: g.url });
    const search = () => catalog.search({ collections: ['swot-riversp-reach'], filter: '"swot:cycle" = 548' });
    // Run as it is today: the newer version; the check says the outputs differ.
    const today = (await search()).map((i) => i.id);
    expect(today).toEqual([newId]);
    const differ = await call(`${g.url}/gallery/${published.id}/check`, { method: 'POST', json: { notebook: notebookOf(today, readsBundle()) } });
    expect(differ.body.match).toBe(false);
    expect(differ.body.cells[0]).toMatchObject({ cell: 1, same: false });
    // Re-run with the pins of the published notebook: the version it read then.
    const nb = (await (await fetch(`${g.url}/gallery/${published.id}/notebook.ipynb`)).json()) as { metadata: { hysope: { reads: unknown[] } } };
    process.env['HYSOPE_PINS'] = JSON.stringify(nb.metadata.hysope.reads);
    try {
      const pinned = (await search()).map((i) => i.id);
      expect(pinned).toEqual([oldId]);
      const published_ = await (await fetch(`${g.url}/gallery/${published.id}/notebook.ipynb`)).json();
      const same = await call(`${g.url}/gallery/${published.id}/check`, {
        method: 'POST',
        json: { notebook: notebookOf(pinned, (published_ as { cells: { outputs?: { data?: Record<string, unknown> }[] }[] }).cells[2]!.outputs![0]!.data!) }
      });
      expect(same.body).toEqual({ match: true, cells: [expect.objectContaining({ same: true }), expect.objectContaining({ same: true })] });
    } finally {
      delete process.env['HYSOPE_PINS'];
    }
  });

  it('the check compares outputs by what they hold, not by how the store orders their JSON keys', () => {
    const cell = (data: Record<string, unknown>) => ({ cell_type: 'code', source: '', outputs: [{ output_type: 'display_data', data, metadata: {} }] });
    const nb = (data: Record<string, unknown>) => ({ nbformat: 4, metadata: {}, cells: [cell(data)] });
    const read = { collection: 'c', id: 'i', version: 'PIA1_01' };
    const published = nb({ [READS_MIME]: { reads: [{ id: read.id, version: read.version, collection: read.collection }] } });
    expect(compareOutputs(published, nb({ [READS_MIME]: { reads: [read] } })).match).toBe(true);
    expect(compareOutputs(published, nb({ [READS_MIME]: { reads: [{ ...read, version: 'PIC0_01' }] } })).match).toBe(false);
  });

  it('a notebook that read restricted data is shared only with those who may read it', async () => {
    await g.gateway.store.setAccess('swot-riversp-reach', 'scientific', null);
    try {
      const reads = { [READS_MIME]: { reads: [{ collection: 'swot-riversp-reach', id: oldId, version: 'PIA1_01' }] }, 'text/plain': 'reads' };
      const nb = notebookOf([oldId], reads);
      // Someone who may not read it cannot publish it.
      const refused = await call(`${g.url}/gallery`, { method: 'POST', headers: student, json: { title: 'mine', license: 'CC0-1.0', notebook: nb } });
      expect(refused.status).toBe(403);
      const r = await call(`${g.url}/gallery`, { method: 'POST', headers: alice, json: { title: 'Restricted reach', license: 'CC0-1.0', notebook: nb } });
      expect(r.body.level).toBe('scientific');
      expect((await call(`${g.url}/gallery/${r.body.id}`)).status).toBe(404);
      expect((await call(`${g.url}/gallery/${r.body.id}/preview`, { headers: student })).status).toBe(404);
      expect((await call(`${g.url}/gallery`)).body.notebooks.map((n: { id: string }) => n.id)).not.toContain(r.body.id);
      expect((await call(`${g.url}/gallery/${r.body.id}`, { headers: bob })).status).toBe(200);
      expect((await call(`${g.url}/gallery`, { headers: bob })).body.notebooks.map((n: { id: string }) => n.id)).toContain(r.body.id);
    } finally {
      await g.gateway.store.setAccess('swot-riversp-reach', 'public', null);
    }
  });
});
