import { describe, expect, it } from 'vitest';
import { tableFromArrays } from 'apache-arrow';
import { basinWords, featureWords, reachOfNode } from './search-words.js';
import type { Product } from '../formats/index.js';

const product = (columns: Record<string, unknown[]>) => ({ table: tableFromArrays(columns as never) }) as unknown as Product;

describe('search words of a product', () => {
  it('basins of a reach are its id prefixes up to the level-6 basin; a node id maps to its reach', () => {
    expect(basinWords('74269900011')).toEqual(['basin:7', 'basin:74', 'basin:742', 'basin:7426', 'basin:74269', 'basin:742699']);
    expect(basinWords('7426990001')).toEqual([]);
    expect(reachOfNode('74269900010021')).toBe('74269900011');
    expect(reachOfNode('74269900011')).toBeNull();
  });

  it('distinct names, split on semicolons, without fill values; reach ids and their basins', () => {
    const words = featureWords(
      product({ river_name: ['Rio Grande; Rio Bravo', 'no_data', 'Rio Grande', null], reach_id: ['74269900011', '74269900011;74269800011', null, '1'] })
    );
    expect(words.filter((w) => !/^\d|^basin:/.test(w))).toEqual(['Rio Grande', 'Rio Bravo']);
    expect(words.filter((w) => /^\d/.test(w))).toEqual(['74269900011', '74269800011']);
    expect(words).toContain('basin:742698');
  });

  it('a product without rows in memory (a streamed pixel cloud) adds nothing', () => {
    expect(featureWords({} as Product)).toEqual([]);
  });
});
