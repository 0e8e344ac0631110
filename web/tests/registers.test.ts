import { describe, expect, it } from 'vitest'
import { i18n } from '../src/i18n'
import { ApiError, dispositionName, parseProblem } from '../src/api'
import { CARE_TAGS, type BuildingChart, type Household, type Me, type RegisterReport } from '../src/api/types'
import {
  canReadRegisters,
  canWriteRegisters,
  careTagLabel,
  chartRows,
  defaultRegisterNode,
  floorLabel,
  importChoices,
  occupancyLabel,
  problemRows,
  registerReportOf,
  relationLabel,
} from '../src/registers'

const g = i18n.global
const t = (k: string, n?: Record<string, unknown>) => (n ? g.t(k, n) : g.t(k))

describe('register labels', () => {
  it('care tags in Chinese, an unknown tag as sent', () => {
    g.locale.value = 'zh-CN'
    expect(CARE_TAGS.map((x) => careTagLabel(t, x))).toEqual(['独居老人', '残疾', '低保', '重点人员', '退役军人', '留守儿童'])
    expect(careTagLabel(t, 'new_tag')).toBe('new_tag')
    expect(occupancyLabel(t, 'rented')).toBe('租住')
    expect(relationLabel(t, 'head')).toBe('户主')
  })
  it('care tags in English', () => {
    g.locale.value = 'en'
    expect(careTagLabel(t, 'veteran')).toBe('Veteran')
    g.locale.value = 'zh-CN'
  })
})

const me = (...roles: [string, number | null][]): Me => ({
  id: 1,
  username: 'u',
  display_name: 'u',
  roles: roles.map(([role, node], i) => ({ id: i, role, node_id: node, node_name: node ? `n${node}` : null, org_id: null })),
})

describe('who sees the registers', () => {
  it('reading and keeping', () => {
    expect(canReadRegisters(me(['leader', 1]))).toBe(true)
    expect(canWriteRegisters(me(['leader', 1]))).toBe(false)
    expect(canWriteRegisters(me(['grid_worker', 5]))).toBe(true)
    expect(canReadRegisters(me(['resident', 5], ['department_staff', null]))).toBe(false)
    expect(canReadRegisters(null)).toBe(false)
  })
  it('the own node first among register roles', () => {
    expect(defaultRegisterNode(me(['resident', 9], ['community_staff', 3]))).toEqual({ id: 3, name: 'n3' })
    expect(defaultRegisterNode(me(['department_staff', null]))).toBeNull()
  })
})

const report = (over: Partial<RegisterReport> = {}): RegisterReport => ({
  register: 'households',
  sheet: '住户',
  rows: 3,
  good_rows: 2,
  problems: [
    { sheet: '住户', row: 6, column: 'AA', header: '备注', rule: 'max_length', message: '太长' },
    { sheet: '住户', row: 3, column: 'D', header: '楼层', rule: 'range', message: '楼层不能为 0' },
    { sheet: '住户', row: 6, column: 'C', header: '单元', rule: 'required', message: '必填' },
  ],
  written: false,
  created: 0,
  updated: 0,
  unchanged: 0,
  ...over,
})

describe('import reports', () => {
  it('problems become table rows in row and column order', () => {
    const rows = problemRows(report())
    expect(rows.map((r) => [r.row, r.column, r.header])).toEqual([
      [3, 'D', '楼层'],
      [6, 'C', '单元'],
      [6, 'AA', '备注'],
    ])
    expect(new Set(rows.map((r) => r.key)).size).toBe(3)
  })
  it('a problem of the whole file has no row or column', () => {
    expect(problemRows(report({ problems: [{ rule: 'empty', message: '没有数据行' }] }))).toEqual([
      { key: '0::', sheet: '住户', row: '', column: '', header: '', rule: 'empty', message: '没有数据行' },
    ])
    expect(problemRows(null)).toEqual([])
  })
  it('the choices after a dry run', () => {
    expect(importChoices(report())).toEqual({ all: false, goodOnly: true })
    expect(importChoices(report({ problems: [], good_rows: 3 }))).toEqual({ all: true, goodOnly: false })
    expect(importChoices(report({ good_rows: 0 }))).toEqual({ all: false, goodOnly: false })
    expect(importChoices(report({ written: true }))).toEqual({ all: false, goodOnly: false })
    expect(importChoices(null)).toEqual({ all: false, goodOnly: false })
  })
  it('the report of a 422 is read from its report member', async () => {
    const body = { type: 'x/unprocessable', title: 'Unprocessable', status: 422, detail: '1 of 3 rows are bad', report: report({ problems: null }) }
    const p = await parseProblem(new Response(JSON.stringify(body), { status: 422 }))
    const r = registerReportOf(new ApiError(p).problem)
    expect(r?.rows).toBe(3)
    expect(r?.problems).toEqual([])
    expect(registerReportOf({ status: 422, extensions: { report: 'no' } })).toBeNull()
    expect(registerReportOf({ status: 400 })).toBeNull()
  })
  it('the name of a downloaded file', () => {
    expect(dispositionName("attachment; filename*=UTF-8''%E4%BD%8F%E6%88%B7%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx", 'x.xlsx')).toBe('住户导入模板.xlsx')
    expect(dispositionName('attachment; filename="a.xlsx"', 'x.xlsx')).toBe('a.xlsx')
    expect(dispositionName(null, 'x.xlsx')).toBe('x.xlsx')
  })
})

const hh = (id: number, floor: number, unit: number, room: string, occupancy = 'owner'): Household => ({
  id,
  building_id: 7,
  building_name: '1栋',
  building_code: 'B1',
  grid_name: 'g',
  unit,
  floor,
  room,
  occupancy,
  lead_id: null,
  note: '',
  version: 1,
  created_at: '',
  updated_at: '',
})

describe('the building chart', () => {
  it('floors top first, basements last, every unit a column', () => {
    const c: BuildingChart = {
      building: { id: 7, kind: 'building', name: '1栋', code: 'B1' } as BuildingChart['building'],
      units: 2,
      floors: 3,
      lowest: -1,
      cells: [
        { floor: 3, unit: 2, households: [hh(2, 3, 2, '302'), hh(1, 3, 2, '301', 'rented')] },
        { floor: 1, unit: 1, households: [hh(3, 1, 1, '101')] },
        { floor: -1, unit: 3, households: [hh(4, -1, 3, 'B101', 'shop')] },
      ],
    }
    const { units, rows } = chartRows(c)
    expect(units).toEqual([1, 2, 3])
    expect(rows.map((r) => floorLabel(r.floor))).toEqual(['3F', '2F', '1F', 'B1'])
    expect(rows[0].cells[1].households.map((h) => h.room)).toEqual(['301', '302'])
    expect(rows[1].cells.every((x) => x.households.length === 0)).toBe(true)
    expect(rows[3].cells[2].households[0].occupancy).toBe('shop')
    expect(chartRows(null)).toEqual({ units: [], rows: [] })
  })
})
