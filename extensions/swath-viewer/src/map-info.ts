// The map's scale bar and the cursor's coordinates: a small view in a corner of the map, and the pure
// arithmetic behind it (tested without a browser).

/** Earth's equatorial circumference (m), as Web Mercator uses it. */
const EARTH = 40_075_016.686;

/** Metres per screen pixel at a latitude and zoom (deck.gl's 512-pixel world). */
export function metresPerPixel(latitude: number, zoom: number): number {
  return (EARTH * Math.cos((latitude * Math.PI) / 180)) / (512 * 2 ** zoom);
}

/** The longest round length (1, 2 or 5 × 10ⁿ m) drawn in at most `maxPixels`, its width and its label. */
export function scaleBar(latitude: number, zoom: number, maxPixels = 100): { metres: number; pixels: number; label: string } {
  const mpp = metresPerPixel(latitude, zoom);
  const limit = mpp * maxPixels;
  const power = 10 ** Math.floor(Math.log10(limit));
  const metres = [5, 2, 1].map((m) => m * power).find((m) => m <= limit) ?? power;
  const label = metres >= 1000 ? `${+(metres / 1000).toPrecision(3)} km` : `${+metres.toPrecision(3)} m`;
  return { metres, pixels: metres / mpp, label };
}

/** A position as degrees with hemispheres, to a precision that fits the zoom (about a pixel). */
export function formatLonLat(lon: number, lat: number, zoom: number): string {
  const digits = Math.max(1, Math.min(6, Math.ceil(Math.log10(2 ** zoom)) + 1));
  const f = (v: number, pos: string, neg: string) => `${Math.abs(v).toFixed(digits)}° ${v >= 0 ? pos : neg}`;
  return `${f(lat, 'N', 'S')}, ${f(lon, 'E', 'W')}`;
}

/** The corner view: a scale bar, the coordinates under the cursor and the offline basemap's credits. */
export class MapInfo {
  readonly node: HTMLDivElement;
  private readonly bar: HTMLDivElement;
  private readonly barLabel: HTMLSpanElement;
  private readonly coords: HTMLSpanElement;

  constructor(trans: { __(text: string): string } = { __: (text) => text }) {
    this.node = document.createElement('div');
    this.node.className = 'hy-SwathView-info';
    this.bar = document.createElement('div');
    this.bar.className = 'hy-SwathView-scaleBar';
    this.barLabel = document.createElement('span');
    this.barLabel.className = 'hy-SwathView-scaleLabel';
    this.barLabel.setAttribute('role', 'note');
    this.barLabel.setAttribute('aria-label', trans.__('Scale'));
    this.coords = document.createElement('span');
    this.coords.className = 'hy-SwathView-coords';
    this.coords.setAttribute('role', 'note');
    this.coords.setAttribute('aria-label', trans.__('Cursor position'));
    const credit = document.createElement('span');
    credit.className = 'hy-SwathView-credit';
    credit.setAttribute('role', 'note');
    credit.setAttribute('aria-label', trans.__('Credits'));
    credit.textContent = trans.__('Places: GeoNames (CC BY 4.0) · Land: Natural Earth');
    this.node.append(this.coords, this.bar, this.barLabel, credit);
  }

  /** Follows the view (latitude of its centre, zoom). */
  setView(latitude: number, zoom: number): void {
    const s = scaleBar(latitude, zoom);
    this.bar.style.width = `${Math.round(s.pixels)}px`;
    this.barLabel.textContent = s.label;
  }

  /** The cursor's position (null when it left the map). */
  setCursor(lonLat: [number, number] | null, zoom: number): void {
    this.coords.textContent = lonLat ? formatLonLat(lonLat[0], lonLat[1], zoom) : '';
  }
}
