import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REACH_548, call, startGateway, type TestGateway } from '../helpers.js';

describe('drop-in for the clients people already use (first part)', () => {
  let g: TestGateway;
  beforeAll(async () => {
    g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0' } });
    expect((await g.ingest(REACH_548)).ok).toBe(true);
  });
  afterAll(async () => g?.stop());

  it('the landing page links conformance, processes and jobs with the OGC relation types', async () => {
    const landing = (await call(`${g.url}/`)).body;
    const rels = Object.fromEntries(landing.links.map((l: { rel: string; href: string }) => [l.rel, l.href]));
    expect(rels['http://www.opengis.net/def/rel/ogc/1.0/processes']).toBe(`${g.url}/processes`);
    expect(rels['http://www.opengis.net/def/rel/ogc/1.0/job-list']).toBe(`${g.url}/jobs`);
    expect(rels['conformance']).toBe(`${g.url}/conformance`);
    expect(rels['data']).toBe(`${g.url}/stac`);
    expect(rels['service-desc']).toBe(`${g.url}/api`);
    expect(rels['service-doc']).toBe(`${g.url}/api.html`);
  });

  it('serves an OpenAPI 3.0 document of every route, valid for swagger-parser, and its HTML page', async () => {
    const r = await fetch(`${g.url}/api`, { headers: { Accept: 'application/vnd.oai.openapi+json;version=3.0' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/vnd.oai.openapi+json;version=3.0');
    const doc = await r.json();
    const file = path.join(g.dataDir, 'openapi.json');
    await writeFile(file, JSON.stringify(doc));
    await SwaggerParser.validate(file); // throws with the first problem
    expect(doc.servers[0].url).toBe(g.url);
    // Both ways: every route the gateway's router serves is documented, and every documented one is served.
    const template = (p: string) => p.replace(/\{[^}]+\}|:[A-Za-z]+/g, '{}');
    const served = new Set<string>();
    const walk = (stack: any[], prefix: string) => {
      for (const layer of stack) {
        if (layer.route) {
          const route = layer.route.path instanceof RegExp ? '/{}' : layer.route.path === '/' && prefix ? '' : String(layer.route.path);
          for (const m of Object.keys(layer.route.methods)) served.add(`${m} ${template(prefix + route)}`);
        } else if (layer.handle?.stack) walk(layer.handle.stack, prefix + (typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : ''));
      }
    };
    walk((g.gateway.app as any).router.stack, '');
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops as object).map((m) => `${m} ${template(p)}`)));
    expect([...served].filter((x) => !documented.has(x))).toEqual([]);
    expect([...documented].filter((x) => !served.has(x))).toEqual([]);
    expect(served.size).toBeGreaterThan(30);
    const html = await fetch(`${g.url}/api.html`);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    const page = await html.text();
    expect(page).not.toMatch(/<script|https?:\/\/(cdn|unpkg|fonts)/); // offline, no script
    for (const p of ['/stac/search', '/processes/{processId}/execution', '/hydrocron/v1/timeseries', '/health/ready'])
      expect(page).toContain(`<code>${p}</code>`);
  });

  it('/collections/{id}/items takes the collections=<id> pystac-client sends, refuses another; collections say itemType feature', async () => {
    const same = await call(`${g.url}/stac/collections/swot-riversp-reach/items?collections=swot-riversp-reach`);
    expect(same.status).toBe(200);
    expect(same.body.features.map((f: { id: string }) => f.id)).toEqual(['SWOT_L2_HR_RiverSP_Reach_548_011_NA_20230610T193337_20230610T193344_PIA1_01']);
    const other = await call(`${g.url}/stac/collections/swot-riversp-reach/items?collections=swot-lakesp`);
    expect(other.status).toBe(400);
    expect(other.body.detail).toMatch(/contradicts/);
    const collections = (await call(`${g.url}/stac/collections`)).body.collections;
    expect(collections.length).toBeGreaterThan(3);
    expect(collections.every((c: { itemType?: string }) => c.itemType === 'feature')).toBe(true);
  });

  it('POST /search answers with a self link; errors carry the STAC API fields (code, description) beside the OGC ones', async () => {
    const r = await call(`${g.url}/stac/search`, { json: { collections: ['swot-riversp-reach'], limit: 1 } });
    expect(r.status).toBe(200);
    expect(r.body.links).toContainEqual(expect.objectContaining({ rel: 'self', href: `${g.url}/stac/search`, method: 'POST' }));
    const bad = await call(`${g.url}/stac/search?limit=0`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ type: expect.any(String), title: 'Bad Request', status: 400, code: 'BadRequest' });
    expect(bad.body.description).toBe(bad.body.detail);
  });

  it('/processes pages with limit and next links; unknown processes and jobs get the standard exception types', async () => {
    const ids: string[] = [];
    let url: string | undefined = `${g.url}/processes?limit=2`;
    for (let pages = 0; url && pages < 10; pages++) {
      const page: { processes: { id: string }[]; links: { rel: string; href: string }[] } = (await call(url)).body;
      expect(page.processes.length).toBeLessThanOrEqual(2);
      ids.push(...page.processes.map((p) => p.id));
      url = page.links.find((l) => l.rel === 'next')?.href;
    }
    expect(ids.sort()).toEqual(((await call(`${g.url}/processes`)).body.processes as { id: string }[]).map((p) => p.id).sort());
    expect(ids.length).toBeGreaterThanOrEqual(6);
    expect((await call(`${g.url}/processes?limit=0`)).status).toBe(400);
    const process = await call(`${g.url}/processes/nope`);
    expect(process.status).toBe(404);
    expect(process.body.type).toBe('http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/no-such-process');
    const who = await g.user('owner', 'educational');
    const job = await call(`${g.url}/jobs/00000000-0000-0000-0000-000000000000`, { headers: who.headers });
    expect(job.status).toBe(404);
    expect(job.body.type).toBe('http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/no-such-job');
  });

  it("Debian's OWSLib reads the OpenAPI document, the conformance classes, the process list and a process description; the job cycle over plain HTTP", async () => {
    const who = await g.user('owslib', 'scientific');
    const script = `
import json, sys, time
import requests
from owslib.ogcapi.features import Features
from owslib.ogcapi.processes import Processes
url, key = sys.argv[1], sys.argv[2]
features = Features(url + "/stac")
p = Processes(url)
api = p.api()
out = {
  "openapi": api["openapi"],
  "paths": len(api["paths"]),
  "conformance": p.conformance()["conformsTo"],
  "processes": [x["id"] for x in p.processes()["processes"]],
  "echo": sorted(p.process("echo")["inputs"].keys()),
  "feature_collections": features.feature_collections(),
  "reach_items": len(features.collection_items("swot-riversp-reach", limit=5)["features"]),
}
# The execution / status / results / dismiss cycle, as the standard describes it over HTTP.
auth = {"Authorization": "token " + key}
r = requests.post(url + "/processes/echo/execution", json={"inputs": {"message": "owslib"}}, headers={**auth, "Prefer": "respond-async"})
out["submit"] = [r.status_code, r.headers.get("Preference-Applied"), r.headers["Location"] == url + "/jobs/" + r.json()["jobID"]]
job = r.headers["Location"]
for _ in range(300):
    status = requests.get(job, headers=auth).json()
    if status["status"] in ("successful", "failed", "dismissed"):
        break
    time.sleep(0.1)
out["status"] = status["status"]
results = [l["href"] for l in status["links"] if l["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/results"][0]
out["results"] = requests.get(results, headers=auth).json()
slow = requests.post(url + "/processes/echo/execution", json={"inputs": {"message": "x", "seconds": 60}}, headers={**auth, "Prefer": "respond-async"}).headers["Location"]
d = requests.delete(slow, headers=auth)
out["dismiss"] = [d.status_code, d.json()["status"], requests.get(slow, headers=auth).json()["status"]]
print(json.dumps(out))
`;
    // Asynchronously: the gateway answering OWSLib runs in this process.
    const r = await promisify(execFile)('/usr/bin/python3', ['-c', script, g.url, who.key], { encoding: 'utf8', timeout: 120_000 });
    const out = JSON.parse(r.stdout);
    expect(out.conformance).toContain('http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core');
    expect(out.processes).toEqual(expect.arrayContaining(['echo', 'harvest', 'ingest', 'notebook-run', 'reach-discharge', 'subset', 'timeseries-export']));
    expect(out.echo).toEqual(['fail', 'message', 'seconds']);
    expect(out.openapi).toBe('3.0.3');
    expect(out.feature_collections).toContain('swot-riversp-reach'); // OGC API - Features: itemType feature
    expect(out.reach_items).toBe(1);
    expect(out.paths).toBeGreaterThan(25);
    expect(out.submit).toEqual([201, 'respond-async', true]);
    expect(out.status).toBe('successful');
    expect(out.results).toEqual({ message: 'owslib' });
    expect(out.dismiss).toEqual([200, 'dismissed', 'dismissed']);
  });
});
