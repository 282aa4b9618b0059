import { swotNames } from '@hysope/api';
import type { Product } from '../formats/index.js';

/** Columns whose values are names people search for: rivers (RiverSP), prior lakes (LakeSP), stations and basins (Hydroweb). */
const NAME_COLUMNS = ['river_name', 'lake_name', 'name', 'basin'];
/** Feature id columns searched by value (SWORD reaches; node granules carry their reach's id too). */
const ID_COLUMNS = ['reach_id'];
/** A granule with more distinct ids than this is not indexed by id (its text would outgrow the row). */
const MAX_IDS = 5000;
/** At most this many characters of words per item: a long list of names is cut, never the item refused. */
const MAX_CHARS = 200_000;

/** A SWORD reach id (CBBBBBRRRRT): continent, 5-digit Pfafstetter basin, reach number, type. */
const REACH_ID = /^\d{11}$/;
/** A SWORD node id (CBBBBBRRRRNNNT): its reach is the first 10 digits and the type digit. */
const NODE_ID = /^\d{14}$/;

/** The basin codes a SWORD reach lies in, from the continent digit to its 6-digit level-6 basin: `basin:7`, `basin:74` … `basin:742699`. */
export function basinWords(reachId: string): string[] {
  return REACH_ID.test(reachId) ? Array.from({ length: 6 }, (_, k) => `basin:${reachId.slice(0, k + 1)}`) : [];
}

/** The reach a SWORD node id belongs to (its first 10 digits and type digit), or null when the text is no node id. */
export function reachOfNode(nodeId: string): string | null {
  return NODE_ID.test(nodeId) ? nodeId.slice(0, 10) + nodeId.slice(13) : null;
}

/**
 * What free-text search (`q`) finds a product by, besides its id and properties: the distinct river and lake
 * names it holds (multi-valued SWOT names, `A; B`, split), the SWORD reaches it observes and the basins they
 * lie in (`basin:<code>`), so "Red River of the North", "SERMERSUAQ", `71224100203` or `basin:7122` find the
 * granules that observed them.
 */
export function featureWords(product: Product): string[] {
  const table = product.table;
  if (!table) return [];
  const words = new Set<string>();
  for (const column of NAME_COLUMNS) {
    const vector = table.getChild(column);
    if (!vector) continue;
    for (let i = 0; i < vector.length; i++) for (const name of swotNames(vector.get(i))) words.add(name);
  }
  for (const column of ID_COLUMNS) {
    const vector = table.getChild(column);
    if (!vector) continue;
    const ids = new Set<string>();
    for (let i = 0; i < vector.length && ids.size <= MAX_IDS; i++) {
      const v = vector.get(i);
      if (v === null || v === undefined) continue;
      for (const id of String(v).split(';')) if (REACH_ID.test(id.trim())) ids.add(id.trim());
    }
    if (ids.size > MAX_IDS) continue;
    for (const id of ids) {
      words.add(id);
      for (const b of basinWords(id)) words.add(b);
    }
  }
  const out: string[] = [];
  let chars = 0;
  for (const w of words) {
    if (chars + w.length + 1 > MAX_CHARS) break;
    out.push(w);
    chars += w.length + 1;
  }
  return out;
}
