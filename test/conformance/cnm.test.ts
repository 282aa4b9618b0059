import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cnmProblems, parseCnm } from '@hysope/gateway';
import { describe, expect, it } from 'vitest';

/** PO.DAAC's sample messages (podaac/cloud-notification-message-schema v1.6.1, test/specs/cnm). */
const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../specs/cnm/samples');
const samples = readdirSync(SAMPLES).filter((f) => f.endsWith('.json'));
// By content, not by name: cumulus_sns_v1.5_notification.json holds a response.
const isResponse = (f: string) => 'response' in (JSON.parse(readFileSync(path.join(SAMPLES, f), 'utf8')) as object);

describe('CNM messages: the official samples', () => {
  it.each(samples.filter((f) => !isResponse(f)))('%s is taken as a notification', (f) => {
    const n = parseCnm(readFileSync(path.join(SAMPLES, f)));
    expect(n.identifier).toBeTruthy();
    expect(n.product.name).toBeTruthy();
  });

  it.each(samples.filter(isResponse))('%s is a valid response, refused as a notification', (f) => {
    const body = readFileSync(path.join(SAMPLES, f));
    expect(cnmProblems(JSON.parse(body.toString()))).toEqual([]);
    expect(() => parseCnm(body)).toThrow(/a CNM response, not a notification/);
  });

  it('refuses a notification without its product, naming what is missing', () => {
    expect(() =>
      parseCnm(JSON.stringify({ version: '1.6.1', identifier: 'x', provider: 'p', collection: 'c', submissionTime: '2024-01-01T00:00:00Z' }))
    ).toThrow(/not a valid CNM notification: .*product/);
  });
});
