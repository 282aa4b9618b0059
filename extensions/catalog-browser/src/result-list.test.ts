import { describe, expect, it } from 'vitest';
import { ROW, visibleRows } from './result-list.js';

describe('the virtualised result list', () => {
  it('renders the rows in view and five either side, never past the ends', () => {
    expect(visibleRows(0, 400, 10_000)).toEqual([0, Math.ceil(400 / ROW) + 5]);
    expect(visibleRows(100 * ROW, 400, 10_000)).toEqual([95, 100 + Math.ceil(400 / ROW) + 5]);
    expect(visibleRows(0, 400, 3)).toEqual([0, 3]);
    expect(visibleRows(9_999 * ROW, 400, 10_000)).toEqual([9_994, 10_000]);
  });
});
