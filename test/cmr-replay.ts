import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveBytes } from './replay-files.js';
import path from 'node:path';

/**
 * NASA CMR's granule search (UMM-G JSON, as its API documentation and PO.DAAC's records show it: `items` of `meta`
 * and `umm`, `RelatedUrls` of type GET DATA, `DataGranule.ArchiveAndDistributionInformation` with size and checksum,
 * paging by the `CMR-Search-After` header, `CMR-Hits`) and PO.DAAC's download server (Earthdata bearer token, Range),
 * replayed on this machine over real SWOT granules, with the failure modes a harvester meets: an expired token, a
 * transfer cut mid-way, a corrupted file.
 */
export class CmrReplay {
  /** The granules published: a real file each, and when CMR last revised it. */
  granules: { file: string; revised: string }[] = [];
  token = 'good-token';
  seen: { url: URL; range: string | null; searchAfter: string | null }[] = [];
  fail: { cut?: boolean; corrupt?: 'once' | 'always' } = {};
  url = '';
  private server!: Server;

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.answer(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const u = new URL(req.url!, this.url);
    const range = req.headers['range'] ?? null;
    const searchAfter = (req.headers['cmr-search-after'] as string | undefined) ?? null;
    this.seen.push({ url: u, range, searchAfter });
    if (req.headers['authorization'] !== `Bearer ${this.token}`) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      return void res.end(JSON.stringify({ errors: ['Token expired or invalid'] }));
    }
    if (u.pathname === '/stac/POCLOUD/search') return this.stac(u, res);
    if (u.pathname === '/search/granules.umm_json') {
      const since = u.searchParams.get('updated_since') ?? '';
      // SWOT's cycle and pass filters (cycle[]=1&passes[0][pass]=51), on the granule's name.
      const cycles = u.searchParams.getAll('cycle[]').map(Number);
      const passes = [...u.searchParams.entries()].filter(([k]) => /^passes\[\d+\]\[pass\]$/.test(k)).map(([, v]) => Number(v));
      const selected = (g: { file: string }) => {
        const m = /_(\d+)_(\d+)_[A-Z]{2}_/.exec(path.basename(g.file));
        return (!cycles.length || cycles.includes(Number(m?.[1]))) && (!passes.length || passes.includes(Number(m?.[2])));
      };
      const all = this.granules.filter((g) => g.revised > since && selected(g)).sort((a, b) => a.revised.localeCompare(b.revised));
      const size = Number(u.searchParams.get('page_size') ?? 10);
      const offset = searchAfter ? Number(JSON.parse(searchAfter)[0]) : 0;
      const page = all.slice(offset, offset + size);
      const items = page.map((g) => {
        const name = path.basename(g.file);
        const bytes = readFileSync(g.file);
        return {
          meta: {
            'concept-type': 'granule',
            'concept-id': `G${1000 + this.granules.indexOf(g)}-POCLOUD`,
            'provider-id': 'POCLOUD',
            'revision-date': g.revised
          },
          umm: {
            GranuleUR: name.replace(/\.zip$/, ''),
            RelatedUrls: [
              { URL: `s3://podaac-swot-ops-cumulus-protected/SWOT_L2_HR_RiverSP_2.0/${name}`, Type: 'GET DATA VIA DIRECT ACCESS' },
              { URL: `${this.url}/podaac-swot-ops-cumulus-protected/SWOT_L2_HR_RiverSP_2.0/${name}`, Type: 'GET DATA' }
            ],
            DataGranule: {
              ArchiveAndDistributionInformation: [
                { Name: name, SizeInBytes: bytes.length, Checksum: { Value: createHash('md5').update(bytes).digest('hex'), Algorithm: 'MD5' } }
              ]
            }
          }
        };
      });
      const headers: Record<string, string> = { 'Content-Type': 'application/vnd.nasa.cmr.umm_results+json', 'CMR-Hits': String(all.length) };
      if (offset + size < all.length) headers['CMR-Search-After'] = JSON.stringify([offset + size]);
      res.writeHead(200, headers);
      return void res.end(JSON.stringify({ hits: all.length, took: 5, items }));
    }
    const g = this.granules.find((x) => u.pathname.endsWith(`/${path.basename(x.file)}`));
    if (!g) {
      res.writeHead(404);
      return void res.end();
    }
    let bytes = readFileSync(g.file);
    if (this.fail.corrupt) {
      if (this.fail.corrupt === 'once') this.fail.corrupt = undefined;
      bytes = Buffer.from(bytes);
      bytes[bytes.length >> 1] ^= 0xff;
    }
    const cut = !!this.fail.cut;
    this.fail.cut = false;
    serveBytes(res, bytes, range, 'application/zip', cut);
  }

  /**
   * CMR-STAC's item search (its OpenAPI document, `../shared/specs/cmr-stac`): `collections`, `bbox`, `datetime`,
   * `limit` and `page`, `numberMatched`, a `next` link; items carry their acquisition times, no revision date.
   */
  private stac(u: URL, res: ServerResponse): void {
    const times = (file: string) => {
      const m = /_(\d{8}T\d{6})_(\d{8}T\d{6})_/.exec(path.basename(file))!;
      const iso = (t: string) => `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13, 15)}Z`;
      return [iso(m[1]!), iso(m[2]!)] as const;
    };
    const [from = '..', to = '..'] = (u.searchParams.get('datetime') ?? '../..').split('/');
    const all = this.granules
      .filter(() => u.searchParams.get('collections') === 'SWOT_L2_HR_RiverSP_2.0')
      .filter((g) => {
        const [start, end] = times(g.file);
        return (from === '..' || end >= from) && (to === '..' || start <= to);
      })
      .sort((a, b) => times(a.file)[0].localeCompare(times(b.file)[0]));
    const limit = Number(u.searchParams.get('limit') ?? 10);
    const page = Number(u.searchParams.get('page') ?? 1);
    const features = all.slice((page - 1) * limit, page * limit).map((g) => {
      const name = path.basename(g.file);
      const [start, end] = times(g.file);
      return {
        type: 'Feature',
        stac_version: '1.0.0',
        id: name.replace(/\.zip$/, ''),
        collection: 'SWOT_L2_HR_RiverSP_2.0',
        geometry: null,
        properties: { datetime: start, start_datetime: start, end_datetime: end },
        assets: {
          [name.replace(/\.zip$/, '')]: {
            href: `${this.url}/podaac-swot-ops-cumulus-protected/SWOT_L2_HR_RiverSP_2.0/${name}`,
            roles: ['data'],
            type: 'application/zip'
          },
          metadata: { href: `${this.url}/search/concepts/G0.xml`, roles: ['metadata'], type: 'application/xml' }
        },
        links: []
      };
    });
    const next = new URL(u);
    next.searchParams.set('page', String(page + 1));
    res.writeHead(200, { 'Content-Type': 'application/geo+json' });
    res.end(
      JSON.stringify({
        type: 'FeatureCollection',
        stac_version: '1.0.0',
        numberMatched: all.length,
        numberReturned: features.length,
        features,
        links: page * limit < all.length ? [{ rel: 'next', href: next.href, type: 'application/geo+json' }] : []
      })
    );
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
