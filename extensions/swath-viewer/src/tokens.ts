import type { Item } from '@hysope/api';
import { Token } from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';

/** What the viewer can be asked to show. */
export interface ViewRequest {
  title?: string;
  items?: Item[];
  geojson?: unknown[];
  bbox?: [number, number, number, number];
}

/** A feature clicked on the map: its product kind and id (a SWORD reach or node id, a prior lake id). */
export interface PickedFeature {
  kind: 'pixc' | 'reach' | 'node' | 'lake' | 'discharge';
  id: string;
}

/** The swath viewer, for other extensions (the catalog browser previews items in it). */
export interface ISwathViewer {
  /** Opens (or reuses) the viewer in the main area and shows `request`. */
  open(request: ViewRequest): Promise<void>;
  /** The visible area of the last active viewer, west, south, east, north; null when none is open. */
  currentBbox(): [number, number, number, number] | null;
  /** Emitted when the visible area of a viewer changes. */
  readonly viewChanged: ISignal<ISwathViewer, [number, number, number, number]>;
  /** Emitted when a feature is clicked in a viewer (the job launcher picks a basin this way). */
  readonly featureClicked: ISignal<ISwathViewer, PickedFeature>;
}

export const ISwathViewer = new Token<ISwathViewer>('@hysope/swath-viewer:ISwathViewer', 'The SWOT swath viewer (deck.gl over GeoParquet).');

/** Command ids. */
export const CommandIDs = { open: 'hysope-viewer:open', openItems: 'hysope-viewer:open-items' } as const;
