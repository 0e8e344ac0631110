import { describe, expect, it } from 'vitest'
import { i18n } from '../src/i18n'
import {
  anyKindLabel,
  changeLabel,
  kindTagType,
  NODE_CHILD_KINDS,
  nodeKindLabel,
  orgKindLabel,
  PARTY_CHILD_KINDS,
  partyKindLabel,
  roleLabel,
} from '../src/labels'
import { NODE_KINDS, PARTY_KINDS } from '../src/api/types'

const g = i18n.global
const t = (k: string, n?: Record<string, unknown>) => (n ? g.t(k, n) : g.t(k))

describe('kind labels (zh-CN)', () => {
  it('administrative kinds', () => {
    g.locale.value = 'zh-CN'
    expect(NODE_KINDS.map((k) => nodeKindLabel(t, k))).toEqual(['区', '街道', '社区', '网格', '微网格', '楼栋'])
  })
  it('party kinds', () => {
    g.locale.value = 'zh-CN'
    expect(PARTY_KINDS.map((k) => partyKindLabel(t, k))).toEqual([
      '区委',
      '街道党工委',
      '社区党委',
      '网格党支部',
      '楼栋党小组',
      '党员中心户',
    ])
  })
  it('organisations, roles and changes', () => {
    g.locale.value = 'zh-CN'
    expect(orgKindLabel(t, 'owners_committee')).toBe('业委会')
    expect(orgKindLabel(t, 'department')).toBe('职能部门')
    expect(roleLabel(t, 'grid_worker')).toBe('网格员')
    expect(roleLabel(t, 'district_admin')).toBe('区管理员')
    expect(changeLabel(t, 'move')).toBe('调整上级')
  })
  it('anyKindLabel looks in every tree; unknown values pass through', () => {
    g.locale.value = 'zh-CN'
    expect(anyKindLabel(t, 'community')).toBe('社区')
    expect(anyKindLabel(t, 'branch')).toBe('网格党支部')
    expect(anyKindLabel(t, 'service_station')).toBe('党群服务中心/站')
    expect(anyKindLabel(t, 'household')).toBe('household')
    expect(anyKindLabel(t, '')).toBe('')
    expect(nodeKindLabel(t, 'toString')).toBe('toString')
  })
  it('switch to English with the locale', () => {
    g.locale.value = 'en'
    expect(nodeKindLabel(t, 'microgrid')).toBe('Micro-grid')
    expect(partyKindLabel(t, 'lead_household')).toBe('Lead household')
    g.locale.value = 'zh-CN'
    expect(nodeKindLabel(t, 'microgrid')).toBe('微网格')
  })
})

describe('parent rules', () => {
  it('follow docs/API.md', () => {
    expect(NODE_CHILD_KINDS.district).toEqual(['street'])
    expect(NODE_CHILD_KINDS.street).toEqual(['community'])
    expect(NODE_CHILD_KINDS.community).toEqual(['grid'])
    expect(NODE_CHILD_KINDS.grid).toEqual(['microgrid', 'building'])
    expect(NODE_CHILD_KINDS.microgrid).toEqual(['building'])
    expect(NODE_CHILD_KINDS.building).toEqual([])
    // never a grid directly under a street
    expect(NODE_CHILD_KINDS.street).not.toContain('grid')
  })
  it('cover every kind', () => {
    for (const k of NODE_KINDS) expect(NODE_CHILD_KINDS[k], k).toBeDefined()
    for (const k of PARTY_KINDS) expect(PARTY_CHILD_KINDS[k], k).toBeDefined()
  })
  it('tag colours pair the two trees level by level', () => {
    expect(kindTagType('district')).toBe(kindTagType('district_committee'))
    expect(kindTagType('community')).toBe(kindTagType('community_committee'))
    expect(kindTagType('building')).toBe('info')
  })
})
