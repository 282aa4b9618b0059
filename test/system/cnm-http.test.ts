import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cnmProblems, type CnmResponse } from '@hysope/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REACHES_PASS_51, REACH_548, damagedPixc, startGateway, type TestGateway } from '../helpers.js';
import { cnmNotification } from '../messages.js';

/** PO.DAAC's sample messages (test/specs/cnm, with their licence). */
const OFFICIAL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../specs/cnm/samples');

/** A provider pushing PO.DAAC's CNM notifications over HTTP: the same handler as over AMQP, the response as the answer. */
describe('CNM notifications over HTTP (POST /cnm)', () => {
  let g: TestGateway;
  let inbox: string;
  let producer: Record<string, string>;
  let student: Record<string, string>;
  const copy = (file: string) => {
    const to = path.join(inbox, path.basename(file));
    copyFileSync(file, to);
    return to;
  };
  const post = async (body: unknown, headers = producer, type = 'application/json') => {
    const res = await fetch(`${g.url}/cnm`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': type },
      body: typeof body === 'string' ? body : JSON.stringify(body)
    });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as CnmResponse & Record<string, unknown> };
  };
  const matched = async () => ((await (await fetch(`${g.url}/stac/search?limit=1`)).json()) as { numberMatched: number }).numberMatched;
  const counted = async (outcome: string) => {
    const text = await (await fetch(`${g.url}/metrics`, { headers: producer })).text();
    return Number(new RegExp(`hysope_cnm_requests_total\\{outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
  };

  beforeAll(async () => {
    inbox = mkdtempSync(path.join(os.tmpdir(), 'hysope-cnm-inbox-'));
    g = await startGateway({ env: { HYSOPE_INBOXES: inbox } });
    producer = (await g.user('provider', 'producer')).headers;
    student = (await g.user('student', 'educational')).headers;
  });
  afterAll(async () => {
    await g?.stop();
    rmSync(inbox, { recursive: true, force: true });
  });

  it('ingests the notified granule and answers with a schema-valid CNM response naming the item; the same notification again is one item', async () => {
    const file = copy(REACHES_PASS_51[0]!);
    const id = path.basename(file, '.zip');
    const r = await post(cnmNotification('http-1', [file], 'SHA256'));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.response).toMatchObject({ status: 'SUCCESS', ingestionMetadata: { catalogId: id } });
    expect(r.body.identifier).toBe('http-1');
    // PO.DAAC's official schema accepts the answer, and its catalog URL is the item.
    expect(cnmProblems(r.body)).toEqual([]);
    const item = await fetch(r.body.response.ingestionMetadata!.catalogUrl);
    expect(item.status).toBe(200);
    expect(((await item.json()) as { id: string }).id).toBe(id);
    const again = await post(cnmNotification('http-1-again', [file]));
    expect(again.body.response.status).toBe('SUCCESS');
    const found = (await (await fetch(`${g.url}/stac/search?ids=${id}`)).json()) as { features: unknown[] };
    expect(found.features).toHaveLength(1);
    expect(await counted('success')).toBe(2);
  });

  it('answers what cannot be taken with 422: the CNM failure (its code and reason) and the error fields of every answer; the catalog stays as it was', async () => {
    const before = await matched();
    const good = copy(REACHES_PASS_51[1]!);
    const damaged = path.join(inbox, 'SWOT_L2_HR_RiverSP_Reach_9_51_NA_20101018T121018_20101018T121025_PGA2_03.zip');
    writeFileSync(damaged, 'not a zip file');
    // A pixel cloud whose metadata reads but a chunk of its pixels does not inflate: found while it is written, after
    // reading — still the granule's fault (422), not a failure that may pass (503, Retry-After).
    const scrambled = damagedPixc(inbox);
    const notCnm = { version: '1.6.1', identifier: 'half', product: { name: 'x' } };
    const cases: [unknown, string, RegExp][] = [
      [cnmNotification('bad-checksum', [good], 'wrong'), 'VALIDATION_ERROR', /checksum/i],
      [cnmNotification('outside', [REACH_548]), 'TRANSFER_ERROR', /not in an inbox/],
      [cnmNotification('damaged', [damaged]), 'PROCESSING_ERROR', /zip|read/i],
      [cnmNotification('damaged-chunk', [scrambled]), 'PROCESSING_ERROR', /chunk .* cannot be inflated .*damaged/],
      [notCnm, 'VALIDATION_ERROR', /provider|required|schema/i],
      // PO.DAAC's own sample of a response: not a notification.
      [
        JSON.parse(
          readFileSync(
            path.join(
              OFFICIAL,
              readdirSync(OFFICIAL).find((f) => f.includes('response_success'))!
            ),
            'utf8'
          )
        ),
        'VALIDATION_ERROR',
        /not a notification/
      ]
    ];
    for (const [message, code, reason] of cases) {
      const r = await post(message);
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body.response).toMatchObject({ status: 'FAILURE', errorCode: code });
      expect(r.body.response.errorMessage).toMatch(reason);
      expect(cnmProblems(r.body)).toEqual([]);
      // The gateway's one error shape is there too, with the same reason.
      expect(r.body).toMatchObject({ status: 422, title: 'Unprocessable CNM Notification' });
      expect(r.body['type']).toMatch(/invalid-parameter/);
      expect(r.body['detail']).toContain(code);
    }
    expect(await matched()).toBe(before);
    expect(await counted('failure')).toBe(cases.length);
  });

  it('takes notifications only from producers and admins, as JSON', async () => {
    const file = copy(REACHES_PASS_51[2]!);
    const before = await matched();
    const anonymous = await fetch(`${g.url}/cnm`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(cnmNotification('anon', [file]))
    });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { type: string }).type).toMatch(/unauthorized/);
    const denied = await post(cnmNotification('student', [file]), student);
    expect(denied.status).toBe(403);
    expect(denied.body['detail']).toMatch(/producer or admin/);
    const text = await post('not json at all', producer, 'text/plain');
    expect(text.status).toBe(400);
    expect(text.body['detail']).toMatch(/JSON body/);
    expect(await matched()).toBe(before);
  });
});
