import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, testDatabaseUrl, type TestGateway } from '../helpers.js';

describe.runIf(testDatabaseUrl())('the rate limit across gateway replicas (shared through PostgreSQL)', () => {
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    a = await startGateway({ databaseUrl: testDatabaseUrl(), env: { HYSOPE_RATE_LIMIT: '10' } });
    b = await startGateway({ replicaOf: a, env: { HYSOPE_RATE_LIMIT: '10' } });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('a caller spreading requests over two replicas gets the limit once, not twice', async () => {
    const { headers } = await a.user('rita', 'scientific');
    const statuses = async (g: TestGateway, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await fetch(`${g.url}/stac/collections`, { headers })).status);
      return out;
    };
    expect(await statuses(a, 6)).toEqual([200, 200, 200, 200, 200, 200]);
    // One synchronisation period (a second) later, the other replica has debited them.
    await new Promise((r) => setTimeout(r, 4000));
    const onB = await statuses(b, 10);
    const allowed = onB.filter((s) => s === 200).length;
    // 4 tokens left of 10, and at most one more refilled meanwhile (10 a minute); unshared, all 10 would pass.
    expect(allowed).toBeGreaterThanOrEqual(4);
    expect(allowed).toBeLessThanOrEqual(5);
    expect(onB.slice(allowed).every((s) => s === 429)).toBe(true);
    // And the first replica hears of the second's: of its own 4 tokens left, B's spends take all but what refilled
    // meanwhile (one or two at 10 a minute); unshared, 3 more requests would pass.
    await new Promise((r) => setTimeout(r, 2000));
    const again = await statuses(a, 3);
    expect(again.filter((s) => s === 200).length).toBeLessThanOrEqual(2);
    const refused = await fetch(`${a.url}/stac/collections`, { headers });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another caller is not limited by rita's requests.
    const other = await a.user('otto', 'scientific');
    expect((await fetch(`${b.url}/stac/collections`, { headers: other.headers })).status).toBe(200);
  });
});
