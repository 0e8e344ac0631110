import { describe, expect, it } from 'vitest'
import { i18n } from '../src/i18n'
import { LEAVE_REASONS, STATION_KINDS, type MemberPost } from '../src/api/types'
import {
  addYears,
  currentTerm,
  daysLeftText,
  dueTagType,
  leaveBody,
  leaveReasonLabel,
  postPatch,
  postState,
  postsByGrid,
  renewalDefaults,
  splitPosts,
  stationKindLabel,
  termDefaults,
} from '../src/duty'

const g = i18n.global
const t = (k: string, n?: Record<string, unknown>) => (n ? g.t(k, n) : g.t(k))

function post(over: Partial<MemberPost> = {}): MemberPost {
  return {
    id: 1,
    member_id: 7,
    member_name: '陈志远',
    kind: 'patrol',
    kind_label: '平安巡逻岗',
    name: '平安巡逻岗',
    node_id: 40,
    node_name: '第一网格',
    node_kind: 'grid',
    duties: '每周两次夜间巡逻',
    starts_on: '2026-03-01',
    ends_on: null,
    ended_on: null,
    active: true,
    version: 1,
    ...over,
  }
}

describe('a member’s posts', () => {
  it('states on a day: held, not started, past the planned end, ended', () => {
    expect(postState(post(), '2026-03-01')).toBe('active')
    expect(postState(post({ starts_on: '2026-04-01' }), '2026-03-31')).toBe('upcoming')
    expect(postState(post({ ends_on: '2026-05-31' }), '2026-05-31')).toBe('active')
    expect(postState(post({ ends_on: '2026-05-31' }), '2026-06-01')).toBe('lapsed')
    expect(postState(post({ ended_on: '2026-04-02' }), '2026-03-01')).toBe('ended')
  })

  it('splits the current from the history, keeping the server’s order', () => {
    const list = [post({ id: 1 }), post({ id: 2, starts_on: '2027-01-01' }), post({ id: 3, ended_on: '2026-04-01' })]
    const { current, ended } = splitPosts(list)
    expect(current.map((p) => p.id)).toEqual([1, 2])
    expect(ended.map((p) => p.id)).toEqual([3])
  })

  it('an edit sends only what changed; removing the planned end is clear_ends_on', () => {
    const cur = post({ ends_on: '2026-12-31' })
    const same = { kind: 'patrol', name: '', node_id: 40, duties: '每周两次夜间巡逻', starts_on: '2026-03-01', ends_on: '2026-12-31' }
    expect(postPatch(cur, same)).toEqual({})
    expect(postPatch(cur, { ...same, duties: '每周三次', ends_on: null })).toEqual({ duties: '每周三次', clear_ends_on: true })
    expect(postPatch(cur, { ...same, node_id: '41', ends_on: '2027-06-30' })).toEqual({ node_id: '41', ends_on: '2027-06-30' })
    // another kind, named only when other
    expect(postPatch(cur, { ...same, kind: 'other', name: ' 垃圾分类督导岗 ' })).toEqual({ kind: 'other', name: '垃圾分类督导岗' })
    expect(postPatch(post({ kind: 'other', name: '垃圾分类督导岗' }), { ...same, ends_on: null, kind: 'other', name: '垃圾分类督导岗' })).toEqual({})
    expect(postPatch(post({ kind: 'other', name: '垃圾分类督导岗' }), { ...same, ends_on: null })).toEqual({ kind: 'patrol' })
  })

  it('groups a community’s posts by grid, the community’s own first', () => {
    const g1 = { id: 40, name: '第一网格' }
    const g2 = { id: 41, name: '第二网格' }
    const atCommunity = post({ id: 9, node_id: 4, node_name: '五堰社区', node_kind: 'community' })
    const inG1 = post({ id: 1 })
    const inG1Building = post({ id: 2, node_id: 400, node_name: '1号楼', node_kind: 'building' })
    const sections = postsByGrid([atCommunity, inG1, inG1Building], [
      { grid: g1, posts: [inG1, inG1Building] },
      { grid: g2, posts: [] },
    ])
    expect(sections.map((s) => [s.grid?.name ?? null, s.posts.map((p) => p.id)])).toEqual([
      [null, [9]],
      ['第一网格', [1, 2]],
      ['第二网格', []],
    ])
    expect(postsByGrid([inG1], [{ grid: g1, posts: [inG1] }]).map((s) => s.grid?.id)).toEqual([40])
  })
})

describe('a member leaving', () => {
  it('the body: the reason, the day and the note only when given', () => {
    expect(leaveBody({ on: '', reason: 'transferred', note: '  ' })).toEqual({ reason: 'transferred' })
    expect(leaveBody({ on: '2026-03-02', reason: 'other', note: ' 迁往外省 ' })).toEqual({ reason: 'other', on: '2026-03-02', note: '迁往外省' })
  })
  it('every reason the server knows has a label in both languages', () => {
    g.locale.value = 'zh-CN'
    expect(LEAVE_REASONS.map((r) => leaveReasonLabel(t, r))).toEqual(['转出', '出国出境', '去世', '停止党籍', '其他'])
    expect(leaveReasonLabel(t, 'emigrated')).toBe('emigrated')
    g.locale.value = 'en'
    expect(leaveReasonLabel(t, 'transferred')).toBe('Transferred out')
    g.locale.value = 'zh-CN'
    expect(STATION_KINDS.map((k) => stationKindLabel(t, k))).toEqual(['志愿服务站', '志愿服务岗亭'])
  })
})

describe('renewals and terms', () => {
  it('days left in words and colour', () => {
    expect(daysLeftText(t, 12)).toBe('还剩 12 天')
    expect(daysLeftText(t, 0)).toBe('今天到期')
    expect(daysLeftText(t, -3)).toBe('已过期 3 天')
    expect([dueTagType(-1), dueTagType(0), dueTagType(30), dueTagType(31)]).toEqual(['danger', 'warning', 'warning', 'info'])
  })

  it('adds years as the server does (29 February rolls to 1 March)', () => {
    expect(addYears('2026-03-01', 5)).toBe('2031-03-01')
    expect(addYears('2028-02-29', 1)).toBe('2029-03-01')
  })

  it('a renewal runs as many whole years as the agreement it renews, from its end (or today, when it has ended)', () => {
    expect(renewalDefaults({ signed_on: '2024-01-01', ends_on: '2026-12-31' }, '2026-11-15')).toEqual({ signed_on: '2026-11-15', ends_on: '2028-12-31', content: '' })
    expect(renewalDefaults({ signed_on: '2025-06-01', ends_on: '2026-01-31' }, '2026-03-01')).toEqual({ signed_on: '2026-03-01', ends_on: '2027-03-01', content: '' })
  })

  it('a term defaults to the longest the server allows; the current term is the one not closed', () => {
    expect(termDefaults('2026-03-01')).toEqual({ elected_on: '2026-03-01', ends_on: '2031-03-01' })
    expect(currentTerm([{ id: 1, ended_on: '2026-03-01' }, { id: 2, ended_on: null }])?.id).toBe(2)
    expect(currentTerm([{ id: 1, ended_on: '2026-03-01' }])).toBeUndefined()
  })
})
