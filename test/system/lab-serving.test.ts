import { readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type TestLab } from '../browser/lab.js';

const BUILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../server/lab/build');

/** A raw GET (no automatic decompression): status, headers and the bytes as sent. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => (bytes += d.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes }));
      })
      .on('error', reject);
  });
}

describe('the lab as deployed: a production build, compressed, hashed files cached for good', () => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await startLab('http://127.0.0.1:9');
  }, 90_000);
  afterAll(async () => lab?.stop());

  it('the main bundle is minified and sent gzip-compressed under 2 MB, revalidated on each load', async () => {
    const url = `${lab.url}/static/hysope_lab/bundle.js`;
    const plain = await get(url);
    const zipped = await get(url, { 'Accept-Encoding': 'gzip' });
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.bytes).toBeLessThan(2e6);
    expect(zipped.bytes).toBeLessThan(plain.bytes / 2.5);
    // Production: no development-mode module wrappers, and well under the 17 MB the development build weighs.
    expect(plain.bytes).toBeLessThan(8e6);
    expect(zipped.headers['cache-control']).toBe('no-cache');
  });

  it('a content-hashed chunk is cached for a year, immutable', async () => {
    const hashed = readdirSync(BUILD).find((f) => /\.[0-9a-f]{20}\.js$/.test(f));
    expect(hashed).toBeDefined();
    const r = await get(`${lab.url}/static/hysope_lab/${hashed}`, { 'Accept-Encoding': 'gzip' });
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });
});
