// What a hydrologist reads next to an item's properties: units and the SWOT meaning of each field, and
// the ready-to-run code cells the browser inserts into notebooks.
import type { Item } from '@hysope/api';

/** Meaning and units of the properties HYSOPE items carry. */
export const PROPERTY_MEANINGS: Record<string, { meaning: string; units?: string }> = {
  datetime: { meaning: 'Observation time (UTC)' },
  start_datetime: { meaning: 'First observation of the granule (UTC)' },
  end_datetime: { meaning: 'Last observation of the granule (UTC)' },
  created: { meaning: 'When the item entered the catalog' },
  'swot:cycle': { meaning: 'SWOT cycle number: one pass over every track of the 21-day repeat orbit' },
  'swot:pass': { meaning: 'Pass number within a cycle (1-584): an ascending or descending half orbit' },
  'swot:tile': { meaning: 'Tile of the pass (PIXC, LakeTile): along-track index and swath side' },
  'swot:swath_side': { meaning: 'Swath side: L (left) or R (right) of the nadir track, either side of the 20 km nadir gap' },
  'swot:continent': { meaning: 'Continent code of the RiverSP/LakeSP product (NA, SA, EU, AF, AS, AU, GR...)' },
  'swot:crid': { meaning: 'Composite release id: the processing baseline that made the product (e.g. PIC0, PGA2)' },
  'swot:product_counter': { meaning: 'Product counter: reprocessings of the same granule with the same CRID' },
  'swot:short_name': { meaning: 'Product short name (L2_HR_PIXC, L2_HR_RiverSP, L2_HR_LakeSP...)' },
  'swot:feature_count': { meaning: 'Features (pixels, reaches, nodes or lakes) in the product' },
  'swot:layout': { meaning: 'File layout of the source granule (product description version)' },
  'swot:product_file_id': { meaning: 'Feature type in the file name (Reach, Node, Prior...)' },
  'swot:product_version': { meaning: 'Version of the product description the granule follows' },
  deprecated: { meaning: 'A newer version (another CRID or counter) of this granule exists' },
  'processing:lineage': { meaning: 'How the product was made' },
  'processing:software': { meaning: 'Software and version that made the product' },
  'processing:level': { meaning: 'Processing level' },
  'hysope:access': { meaning: 'Access level needed to read the item (public, educational, scientific, institutional, private)' },
  'hydroweb:basin': { meaning: 'Basin of the Hydroweb virtual station' },
  'hydroweb:river': { meaning: 'River of the Hydroweb virtual station' },
  'insitu:station': { meaning: 'In-situ gauging station code' },
  wse: { meaning: 'Water surface elevation above the geoid', units: 'm' },
  width: { meaning: 'River width', units: 'm' },
  'file:size': { meaning: 'Size of the file', units: 'bytes' }
};

const TS_KERNEL = /typescript|javascript|tslab|jslab|deno/i;

/** The language of code cells for a kernel name. */
export function languageOf(kernelName: string | undefined): 'typescript' | 'python' {
  return kernelName && !TS_KERNEL.test(kernelName) ? 'python' : 'typescript';
}

/** A ready-to-run code cell that opens the item's product (kernels-bridge in TypeScript; the standard library and pandas in Python). */
export function codeFor(item: Item, language: 'typescript' | 'python', gatewayUrl: string): string {
  const self = item.links.find((l) => l.rel === 'self')?.href ?? `${gatewayUrl}/stac/collections/${item.collection}/items/${item.id}`;
  const data = item.assets['data']?.href;
  if (language === 'python') {
    return [
      'import json, urllib.request',
      `item = json.load(urllib.request.urlopen(${JSON.stringify(self)}))`,
      "print(item['id'], item['properties'].get('datetime'))",
      ...(data
        ? [
            '# The product is a GeoParquet file (read by ranges with DuckDB or pandas + pyarrow where installed):',
            `data_url = item['assets']['data']['href']  # ${data}`
          ]
        : []),
      'item["properties"]'
    ].join('\n');
  }
  return [
    "import { Catalog, sql, rows, show } from '@hysope/kernels-bridge';",
    `const catalog = new Catalog({ url: ${JSON.stringify(gatewayUrl)} });`,
    `const [item] = await catalog.search({ collections: [${JSON.stringify(item.collection)}], ids: [${JSON.stringify(item.id)}] });`,
    ...(data
      ? [
          "const table = await sql('select * from product limit 20', { assets: { product: item!.assets['data']!.href } });",
          'show.map([item!], { title: item!.id });',
          'rows(table)'
        ]
      : ['item'])
  ].join('\n');
}
