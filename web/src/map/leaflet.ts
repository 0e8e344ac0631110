// Setting up a Leaflet map the way the app wants it: EPSG:3857, a plain background, and a tile
// layer only when the server is configured with one (GET /ui-config tile_url).
import L from 'leaflet'
import 'leaflet/dist/leaflet.css'
import type { UiConfig } from '../api/types'

export { L }

/** Roughly China, for a map with nothing to fit yet. */
const CHINA: L.LatLngTuple = [35, 105]

export function createMap(el: HTMLElement, cfg: UiConfig | null, opts: L.MapOptions = {}): L.Map {
  const map = L.map(el, { zoomSnap: 0.25, minZoom: 3, maxZoom: 19, ...opts })
  map.attributionControl.setPrefix('Leaflet')
  if (cfg?.tile_url) {
    L.tileLayer(cfg.tile_url, { attribution: cfg.tile_attribution || undefined, maxZoom: 19 }).addTo(map)
  }
  map.setView(CHINA, 4)
  return map
}

/** A DOM element with text (never HTML: names and codes are user data). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string | null,
  cls?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag)
  if (text) e.textContent = text
  if (cls) e.className = cls
  return e
}

/** Leaflet bounds of a [minLng, minLat, maxLng, maxLat] box. */
export const bboxBounds = (b: readonly number[]): L.LatLngBounds =>
  L.latLngBounds([b[1], b[0]], [b[3], b[2]])
