import { describe, expect, it } from 'vitest';
import { pickEncoding } from './portal.js';

describe('the portal files are sent pre-compressed', () => {
  const both = { br: true, gzip: true };
  it('brotli first, then gzip, when the browser takes them and the build made them', () => {
    expect(pickEncoding('gzip, deflate, br, zstd', both)).toBe('br');
    expect(pickEncoding('gzip, deflate', both)).toBe('gzip');
    expect(pickEncoding('br;q=0, gzip;q=0.8', both)).toBe('gzip');
    expect(pickEncoding('gzip, br', { br: false, gzip: true })).toBe('gzip');
    expect(pickEncoding('*', both)).toBe('br');
  });
  it('as is when nothing fits', () => {
    expect(pickEncoding(undefined, both)).toBeNull();
    expect(pickEncoding('identity', both)).toBeNull();
    expect(pickEncoding('gzip;q=0', { br: false, gzip: true })).toBeNull();
  });
});
