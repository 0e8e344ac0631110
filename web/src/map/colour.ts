// Colouring the grids of the map by a coverage input (GET /coverage grids[]), and its legend.
// No Leaflet here: this is plain logic, unit-tested in tests/map.test.ts.
import type { GridCoverage } from '../api/types'

export const COLOUR_MODES = ['none', 'households', 'party', 'service'] as const
export type ColourMode = (typeof COLOUR_MODES)[number]

export const isColourMode = (v: unknown): v is ColourMode =>
  typeof v === 'string' && (COLOUR_MODES as readonly string[]).includes(v)

/** What a grid is, for one mode: the legend entry it falls in. */
export type ColourClass =
  | 'plain'
  | 'nodata'
  | 'households_below'
  | 'households_in'
  | 'households_above'
  | 'party_yes'
  | 'party_no'
  | 'service_all'
  | 'service_high'
  | 'service_mid'
  | 'service_low'

export const CLASS_COLOURS: Record<ColourClass, string> = {
  plain: '#d7261e',
  nodata: '#a8abb2',
  households_below: '#4f8fd6',
  households_in: '#3aa55b',
  households_above: '#e6862e',
  party_yes: '#c8161d',
  party_no: '#e6a23c',
  service_all: '#1f8a48',
  service_high: '#7cc36b',
  service_mid: '#f2c14e',
  service_low: '#e0553c',
}

/** The households range a grid should hold (from /coverage or /ui-config). */
export interface HouseholdsRange {
  households_min: number
  households_max: number
}

/** Shares of households served at or above these bounds fall in service_high / service_mid. */
export const SERVICE_HIGH = 0.8
export const SERVICE_MID = 0.5

/** below / in / above the range, both ends included (as the server's households_in_range). */
export function householdsClass(households: number, range: HouseholdsRange): ColourClass {
  if (!Number.isFinite(households)) return 'nodata'
  if (households < range.households_min) return 'households_below'
  if (households > range.households_max) return 'households_above'
  return 'households_in'
}

/** The share of a grid's households within walking distance of a service station; null without households. */
export function servedShare(g: Pick<GridCoverage, 'households' | 'households_served'>): number | null {
  if (!g.households || g.households <= 0) return null
  return Math.min(1, Math.max(0, g.households_served / g.households))
}

export function serviceClass(share: number | null): ColourClass {
  if (share === null || !Number.isFinite(share)) return 'nodata'
  if (share >= 1) return 'service_all'
  if (share >= SERVICE_HIGH) return 'service_high'
  if (share >= SERVICE_MID) return 'service_mid'
  return 'service_low'
}

/** The class of one grid; `g` is its coverage entry, undefined when the coverage does not list it. */
export function classify(mode: ColourMode, g: GridCoverage | undefined, range: HouseholdsRange): ColourClass {
  if (mode === 'none') return 'plain'
  if (!g) return 'nodata'
  switch (mode) {
    case 'households':
      return householdsClass(g.households, range)
    case 'party':
      return g.party_branch ? 'party_yes' : 'party_no'
    case 'service':
      return serviceClass(servedShare(g))
  }
}

/** The legend of a mode: its classes in order (nodata last; none for 'none'). */
export function legendClasses(mode: ColourMode): ColourClass[] {
  switch (mode) {
    case 'none':
      return []
    case 'households':
      return ['households_below', 'households_in', 'households_above', 'nodata']
    case 'party':
      return ['party_yes', 'party_no', 'nodata']
    case 'service':
      return ['service_all', 'service_high', 'service_mid', 'service_low', 'nodata']
  }
}

/** Counts of grids per class, for the legend. */
export function countClasses(
  mode: ColourMode,
  ids: Iterable<string>,
  byId: Map<string, GridCoverage>,
  range: HouseholdsRange,
): Map<ColourClass, number> {
  const out = new Map<ColourClass, number>()
  for (const id of ids) {
    const c = classify(mode, byId.get(id), range)
    out.set(c, (out.get(c) ?? 0) + 1)
  }
  return out
}

/** Leaflet path style of a grid of a class (the plain style keeps a light fill to be clickable). */
export function gridStyle(c: ColourClass, highlighted = false) {
  const colour = CLASS_COLOURS[c]
  return {
    color: c === 'plain' ? colour : '#7a1a1a',
    weight: highlighted ? 4 : 1,
    opacity: 0.9,
    fillColor: colour,
    fillOpacity: c === 'plain' ? 0.08 : 0.55,
  }
}

/** A share in [0, 1] as a percentage with at most one decimal: 0.4545 → "45.5%", 1 → "100%". */
export function percent(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–'
  const x = Math.round(v * 1000) / 10
  return `${x}%`
}
