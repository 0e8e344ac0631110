// The registers of issue 6 (住户, 居民, spreadsheets): what their pages show, kept out of the views
// so that it can be unit tested.
import type { Problem } from './api/client'
import { CARE_TAGS, OCCUPANCIES, RELATIONS, type BuildingChart, type Household, type Me, type RegisterReport, type SheetProblem } from './api/types'

import { lookup } from './labels'

type T = (key: string, named?: Record<string, unknown>) => string

/** 独居老人, 残疾, …; an unknown tag shows as the server sent it. */
export const careTagLabel = (t: T, tag: string) => lookup(t, 'registers.tags', CARE_TAGS, tag)
export const occupancyLabel = (t: T, o: string) => lookup(t, 'registers.occupancy', OCCUPANCIES, o)
export const relationLabel = (t: T, r: string) => lookup(t, 'registers.relation', RELATIONS, r)

/** The Element tag type of a care tag: the ones that ask for attention stand out. */
export function careTagType(tag: string): 'danger' | 'warning' | 'info' | 'success' {
  switch (tag) {
    case 'key_person':
      return 'danger'
    case 'elderly_alone':
    case 'left_behind':
      return 'warning'
    case 'veteran':
      return 'success'
    default:
      return 'info'
  }
}

/** The colour of a dwelling in the 楼盘表 and its legend, by occupancy. */
export const OCCUPANCY_COLOURS: Record<string, string> = {
  owner: '#67c23a',
  rented: '#409eff',
  vacant: '#c0c4cc',
  shop: '#e6a23c',
}
export const occupancyColour = (o: string) => OCCUPANCY_COLOURS[o] ?? '#909399'

/** Roles that read registers (docs/API.md: residents and department staff do not). */
export const REGISTER_READ_ROLES = ['grid_worker', 'grid_leader', 'community_staff', 'street_operator', 'district_admin', 'leader']
/** Roles that keep registers (import, template); leaders only read. */
export const REGISTER_WRITE_ROLES = ['grid_worker', 'grid_leader', 'community_staff', 'street_operator', 'district_admin']

export const canReadRegisters = (me: Me | null) => !!me?.roles?.some((g) => REGISTER_READ_ROLES.includes(g.role))
export const canWriteRegisters = (me: Me | null) => !!me?.roles?.some((g) => REGISTER_WRITE_ROLES.includes(g.role))

/** The node the register pages open with: the node of the user's first register role. */
export function defaultRegisterNode(me: Me | null): { id: string | number; name: string } | null {
  const g = me?.roles?.find((r) => REGISTER_READ_ROLES.includes(r.role) && r.node_id != null)
  return g && g.node_id != null ? { id: g.node_id, name: g.node_name ?? String(g.node_id) } : null
}

/** The report in a 422's `report` member, if it looks like one. */
export function registerReportOf(p: Problem): RegisterReport | null {
  const r = p.extensions?.report
  if (!r || typeof r !== 'object') return null
  const rep = r as Partial<RegisterReport>
  if (typeof rep.rows !== 'number' || typeof rep.good_rows !== 'number') return null
  return normalizeReport(rep as RegisterReport)
}

/** A report with its lists and counts present. */
export function normalizeReport(r: RegisterReport): RegisterReport {
  return {
    ...r,
    problems: r.problems ?? [],
    created: r.created ?? 0,
    updated: r.updated ?? 0,
    unchanged: r.unchanged ?? 0,
    written: !!r.written,
  }
}

/** A row of the problem table. */
export interface ProblemRow {
  key: string
  sheet: string
  /** the row as Excel numbers it, '' for the file as a whole */
  row: number | ''
  column: string
  header: string
  rule: string
  message: string
}

/** The report's problems as table rows, in sheet, row, column order (the file's own ones first). */
export function problemRows(r: RegisterReport | null): ProblemRow[] {
  const ps: SheetProblem[] = [...(r?.problems ?? [])]
  const col = (c: string | undefined) => (c ? c.length * 1000 + c.charCodeAt(0) : 0) // A < Z < AA
  ps.sort((a, b) => (a.row ?? 0) - (b.row ?? 0) || col(a.column) - col(b.column))
  return ps.map((p, i) => ({
    key: `${i}:${p.row ?? ''}:${p.column ?? ''}`,
    sheet: p.sheet ?? r?.sheet ?? '',
    row: p.row ?? '',
    column: p.column ?? '',
    header: p.header ?? '',
    rule: p.rule,
    message: p.message,
  }))
}

/** What the wizard offers after a dry run: import all (no problems), or only the good rows. */
export function importChoices(r: RegisterReport | null): { all: boolean; goodOnly: boolean } {
  if (!r || r.written) return { all: false, goodOnly: false }
  const bad = (r.problems?.length ?? 0) > 0
  return { all: !bad && r.good_rows > 0, goodOnly: bad && r.good_rows > 0 }
}

/** One floor of the 楼盘表: its label and one cell per unit (1…units). */
export interface ChartRow {
  floor: number
  cells: { unit: number; households: Household[] }[]
}

/** The chart's cells as rows of floors (top first, basements last) × units 1…units. */
export function chartRows(c: BuildingChart | null): { units: number[]; rows: ChartRow[] } {
  if (!c) return { units: [], rows: [] }
  const cells = c.cells ?? []
  const top = Math.max(c.units, ...cells.map((x) => x.unit), 0)
  const units = Array.from({ length: top }, (_, i) => i + 1)
  const byFloor = new Map<number, Map<number, Household[]>>()
  for (const x of cells) {
    let f = byFloor.get(x.floor)
    if (!f) byFloor.set(x.floor, (f = new Map()))
    f.set(x.unit, [...(f.get(x.unit) ?? []), ...(x.households ?? [])])
  }
  // every floor the building declares (or has households on), top first; basements after floor 1
  const floors = new Set<number>(byFloor.keys())
  for (let f = 1; f <= c.floors; f++) floors.add(f)
  const order = (f: number) => (f > 0 ? -f : 1000 - f) // 5, 4, … 1, -1, -2
  const rows = [...floors]
    .sort((a, b) => order(a) - order(b))
    .map((floor) => ({
      floor,
      cells: units.map((unit) => ({
        unit,
        households: [...(byFloor.get(floor)?.get(unit) ?? [])].sort((a, b) => a.room.localeCompare(b.room, 'zh-CN', { numeric: true })),
      })),
    }))
  return { units, rows }
}

/** "3F", "B1" (floor −1). */
export const floorLabel = (f: number) => (f < 0 ? `B${-f}` : `${f}F`)
