import { describe, expect, it } from 'vitest'
import type { GridCoverage } from '../src/api/types'
import {
  CLASS_COLOURS,
  COLOUR_MODES,
  classify,
  countClasses,
  gridStyle,
  householdsClass,
  isColourMode,
  legendClasses,
  percent,
  servedShare,
  serviceClass,
} from '../src/map/colour'
import zhCN from '../src/i18n/zh-CN'
import en from '../src/i18n/en'

const range = { households_min: 300, households_max: 500 }
const grid = (over: Partial<GridCoverage> = {}): GridCoverage => ({
  id: 4,
  code: '42030200100101',
  name: '五堰第一网格',
  has_boundary: true,
  party_branch: true,
  households: 424,
  households_in_range: true,
  households_served: 424,
  area_m2: 189910,
  ...over,
})

describe('households colour', () => {
  it('is below, in or above the configured range, both ends included', () => {
    expect(householdsClass(299, range)).toBe('households_below')
    expect(householdsClass(300, range)).toBe('households_in')
    expect(householdsClass(424, range)).toBe('households_in')
    expect(householdsClass(500, range)).toBe('households_in')
    expect(householdsClass(501, range)).toBe('households_above')
    expect(householdsClass(0, range)).toBe('households_below')
    expect(householdsClass(Number.NaN, range)).toBe('nodata')
  })

  it('follows the range it is given, not a fixed one', () => {
    expect(householdsClass(424, { households_min: 100, households_max: 200 })).toBe('households_above')
    expect(householdsClass(150, { households_min: 100, households_max: 200 })).toBe('households_in')
  })

  it('agrees with the server flag on the demo numbers', () => {
    for (const [h, flag] of [
      [424, true],
      [297, false],
      [452, true],
      [520, false],
    ] as const) {
      expect(householdsClass(h, range) === 'households_in', String(h)).toBe(flag)
    }
  })
})

describe('service circle colour', () => {
  it('is the share of households served', () => {
    expect(servedShare({ households: 400, households_served: 100 })).toBe(0.25)
    expect(servedShare({ households: 0, households_served: 0 })).toBeNull()
    expect(servedShare({ households: 10, households_served: 20 })).toBe(1)
  })
  it('falls in buckets: all, 80%+, 50%+, less, no households', () => {
    expect(serviceClass(1)).toBe('service_all')
    expect(serviceClass(0.999)).toBe('service_high')
    expect(serviceClass(0.8)).toBe('service_high')
    expect(serviceClass(0.79)).toBe('service_mid')
    expect(serviceClass(0.5)).toBe('service_mid')
    expect(serviceClass(0.49)).toBe('service_low')
    expect(serviceClass(0)).toBe('service_low')
    expect(serviceClass(null)).toBe('nodata')
  })
})

describe('classify', () => {
  it('per mode', () => {
    expect(classify('none', grid(), range)).toBe('plain')
    expect(classify('none', undefined, range)).toBe('plain')
    expect(classify('households', grid({ households: 120 }), range)).toBe('households_below')
    expect(classify('party', grid({ party_branch: true }), range)).toBe('party_yes')
    expect(classify('party', grid({ party_branch: false }), range)).toBe('party_no')
    expect(classify('service', grid({ households: 400, households_served: 300 }), range)).toBe('service_mid')
  })
  it('a grid the coverage does not list has no data', () => {
    for (const m of ['households', 'party', 'service'] as const) expect(classify(m, undefined, range)).toBe('nodata')
  })
  it('counts grids per class for the legend', () => {
    const byId = new Map<string, GridCoverage>([
      ['1', grid({ id: 1, households: 100 })],
      ['2', grid({ id: 2, households: 350 })],
      ['3', grid({ id: 3, households: 900 })],
      ['4', grid({ id: 4, households: 360 })],
    ])
    const c = countClasses('households', ['1', '2', '3', '4', '5'], byId, range)
    expect(Object.fromEntries(c)).toEqual({ households_below: 1, households_in: 2, households_above: 1, nodata: 1 })
  })
})

describe('legend', () => {
  it('lists every class a mode can give, each with a colour and a text in both languages', () => {
    for (const m of COLOUR_MODES) {
      const classes = legendClasses(m)
      for (const c of classes) {
        expect(CLASS_COLOURS[c], c).toMatch(/^#[0-9a-f]{6}$/)
        expect((zhCN.map.classes as Record<string, string>)[c], c).toBeTruthy()
        expect((en.map.classes as Record<string, string>)[c], c).toBeTruthy()
      }
      expect((zhCN.map.modes as Record<string, string>)[m]).toBeTruthy()
    }
    expect(legendClasses('none')).toEqual([])
    expect(legendClasses('households')).toEqual(['households_below', 'households_in', 'households_above', 'nodata'])
  })
  it('the classes of one mode have different colours', () => {
    for (const m of COLOUR_MODES) {
      const cs = legendClasses(m).map((c) => CLASS_COLOURS[c])
      expect(new Set(cs).size, m).toBe(cs.length)
    }
  })
  it('mode names are checked', () => {
    expect(isColourMode('party')).toBe(true)
    expect(isColourMode('rainbow')).toBe(false)
    expect(isColourMode(undefined)).toBe(false)
  })
})

describe('styles and numbers', () => {
  it('colours the fill by class and marks the highlighted grid', () => {
    expect(gridStyle('households_in').fillColor).toBe(CLASS_COLOURS.households_in)
    expect(gridStyle('plain').fillOpacity).toBeLessThan(gridStyle('party_yes').fillOpacity)
    expect(gridStyle('plain', true).weight).toBeGreaterThan(gridStyle('plain').weight)
  })
  it('shows shares as percentages', () => {
    expect(percent(1)).toBe('100%')
    expect(percent(0)).toBe('0%')
    expect(percent(0.45454545)).toBe('45.5%')
    expect(percent(0.614)).toBe('61.4%')
    expect(percent(null)).toBe('–')
    expect(percent(Number.NaN)).toBe('–')
  })
})
