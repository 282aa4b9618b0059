import { openDatabase, migrate, withLease, type Database } from '@hysope/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers.js';

describe.each(backends())('leases: work done by one gateway of several at a time, on $name', ({ databaseUrl }) => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase({ url: databaseUrl, dataDir: 'memory://' });
    await migrate(db);
    await db.query(`delete from leases where name like 'test.%'`);
  });
  afterAll(async () => db?.close());

  it('runs the work of the holder only; another asking meanwhile is refused at once, and gets it once released', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const first = withLease(db, 'test.one', 'gateway-a', 5000, async () => {
      await held;
      return 'a';
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(await withLease(db, 'test.one', 'gateway-b', 5000, async () => 'b')).toBeNull();
    release();
    expect(await first).toBe('a');
    expect(await withLease(db, 'test.one', 'gateway-b', 5000, async () => 'b')).toBe('b');
  });

  it('is renewed while the work lasts longer than the lease, and taken over once a dead holder lets it expire', async () => {
    // Work lasting three lease periods: renewed meanwhile, so nobody else gets it.
    const long = withLease(db, 'test.two', 'gateway-a', 600, () => new Promise((r) => setTimeout(() => r('a'), 1800)));
    await new Promise((r) => setTimeout(r, 1000));
    expect(await withLease(db, 'test.two', 'gateway-b', 600, async () => 'b')).toBeNull();
    expect(await long).toBe('a');
    // A holder that died (its row left, not renewed): refused until it expires, then taken over.
    await db.query(`insert into leases (name, holder, until) values ('test.three', 'dead', now() + interval '400 milliseconds')`);
    expect(await withLease(db, 'test.three', 'gateway-b', 5000, async () => 'b')).toBeNull();
    await new Promise((r) => setTimeout(r, 600));
    expect(await withLease(db, 'test.three', 'gateway-b', 5000, async () => 'b')).toBe('b');
  });
});
