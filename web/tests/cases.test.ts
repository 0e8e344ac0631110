import { describe, expect, it } from 'vitest'
import { i18n } from '../src/i18n'
import type { Case, Me } from '../src/api/types'
import { MAX_PAGE, appendPage, departmentDue, describeDeadline, fetchByDue, formatDuration, formatTimeLeft, isOverdue, limitText, sortQueue, timeLeft, urgency } from '../src/cases/queue'
import { CASE_FROM, CASE_ROLES, ROUTE_ACTION, availableActions, extendValue, isStaleVersion, roleMayActOn, routeMatter, stateAllows } from '../src/cases/actions'
import { MAX_PHOTOS, MAX_PHOTO_BYTES, checkPhoto, formatBytes, pickPhotos } from '../src/cases/photos'
import { categoryMatches, searchCategories } from '../src/cases/categories'
import { followedReports, newFollowToken, rememberReport, validFollowToken } from '../src/cases/follow'
import { formatTime } from '../src/format'
import { figureFraction, figureValue } from '../src/cases/figures'
import { ApiError } from '../src/api/client'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const g = i18n.global
const t = (k: string, named?: Record<string, unknown>) => g.t(k, named ?? {})
const NOW = new Date('2026-11-23T06:00:00Z') // 14:00 in Beijing

function kase(over: Partial<Case> = {}): Case {
  return {
    id: 1, number: '20261123000001', state: 'registered', category: '0101', category_name: '暴露垃圾', kind: 'event',
    matter: 'public', grid_id: 4, grid_code: '42030200100101', grid_name: '五堰第一网格', lng: 110.76, lat: 32.61,
    address: '', description: 'x', channel: 'qr', reporter_name: '', reporter_phone: '', masked: true, anonymous: false,
    departments: [], level: 0, level_name: '', stage: 'register', due_at: null, overdue: false, reopened: 0, reworks: 0,
    returns: 0, extensions: 0, resolved: null, merged_into: null, photos: [], version: 1, created_at: NOW.toISOString(),
    updated_at: NOW.toISOString(), closed_at: null, ...over,
  }
}
const me = (...roles: { role: string; node_id?: number | null; org_id?: number | null }[]): Me => ({
  id: 1, username: 'u', display_name: 'U',
  roles: roles.map((r, i) => ({ id: i, role: r.role, node_id: r.node_id ?? null, org_id: r.org_id ?? null })),
})

describe('the dispatch queue', () => {
  it('puts overdue cases first, then the soonest deadline, then cases without one', () => {
    const at = (m: number) => new Date(NOW.getTime() + m * 60000).toISOString()
    const cases = [
      kase({ id: 1, due_at: null }),
      kase({ id: 2, due_at: at(120) }),
      kase({ id: 3, due_at: at(-30) }), // past due, not flagged yet
      kase({ id: 4, due_at: at(30) }),
      kase({ id: 5, due_at: at(-300), overdue: true }),
      kase({ id: 6, due_at: at(10), overdue: true }), // flagged by the server's clock
      kase({ id: 7, due_at: at(30) }),
    ]
    expect(sortQueue(cases, NOW).map((c) => c.id)).toEqual([5, 3, 6, 4, 7, 2, 1])
    expect(cases.map((c) => c.id)).toEqual([1, 2, 3, 4, 5, 6, 7]) // input untouched
  })
  it('knows overdue by flag or by clock', () => {
    expect(isOverdue(kase({ overdue: true, due_at: null }), NOW)).toBe(true)
    expect(isOverdue(kase({ due_at: '2026-11-23T05:59:00Z' }), NOW)).toBe(true)
    expect(isOverdue(kase({ due_at: '2026-11-23T06:01:00Z' }), NOW)).toBe(false)
    expect(isOverdue(kase({ due_at: null }), NOW)).toBe(false)
  })
})

describe('the board in pages (order=due)', () => {
  type C = { id: number; due_at: string | null }
  // the server's order=due: due time (nulls last), then id; `after` continues after a case
  const at = (m: number) => new Date(NOW.getTime() + m * 60000).toISOString()
  const server = (n: number): C[] =>
    Array.from({ length: n }, (_, i) => ({ id: i + 1, due_at: i % 7 === 6 ? null : at(Math.floor(i / 3)) })).sort(
      (a, b) => (a.due_at === null ? 1 : 0) - (b.due_at === null ? 1 : 0) || (a.due_at ?? '').localeCompare(b.due_at ?? '') || a.id - b.id,
    )
  function api(all: C[]) {
    const limits: number[] = []
    const page = async (limit: number, after: { id: string | number } | null) => {
      limits.push(limit)
      expect(limit).toBeLessThanOrEqual(MAX_PAGE)
      const from = after ? all.findIndex((c) => c.id === after.id) + 1 : 0
      return all.slice(from, from + limit)
    }
    return { page, limits }
  }

  it('loads a page with one more to know whether more follow', async () => {
    const all = server(1234)
    const { page, limits } = api(all)
    const r = await fetchByDue(page, 300)
    expect(r.items).toEqual(all.slice(0, 300))
    expect(r.more).toBe(true)
    expect(r.last).toEqual(all[299])
    expect(limits).toEqual([301])
    // the next page continues after the last case loaded
    const next = await fetchByDue(page, 300, r.last)
    expect(next.items).toEqual(all.slice(300, 600))
    expect(next.more).toBe(true)
  })

  it('goes on past the largest answer until it has what it wants, and knows the end', async () => {
    const all = server(1234)
    const { page, limits } = api(all)
    const r = await fetchByDue(page, 2000)
    expect(r.items).toEqual(all)
    expect(r.more).toBe(false)
    expect(limits).toEqual([500, 500, 500])
    const exact = api(server(1000))
    const e = await fetchByDue(exact.page, 1000)
    expect(e.items.length).toBe(1000)
    expect(e.more).toBe(false)
    expect(exact.limits).toEqual([500, 500, 1])
    const empty = api([])
    expect(await fetchByDue(empty.page, 300)).toEqual({ items: [], more: false, last: null })
  })

  it('adds a page, keeping the newer copy of a case that moved', () => {
    const list = [kase({ id: 1 }), kase({ id: 2, description: 'old' }), kase({ id: 3 })]
    const out = appendPage(list, [kase({ id: 2, description: 'new' }), kase({ id: 4 })])
    expect(out.map((c) => [c.id, c.description])).toEqual([[1, 'x'], [3, 'x'], [2, 'new'], [4, 'x']])
    expect(list.length).toBe(3)
  })
})

describe('time left', () => {
  it('counts whole minutes towards the deadline', () => {
    expect(timeLeft('2026-11-23T06:00:59Z', NOW)).toEqual({ kind: 'left', minutes: 0 })
    expect(timeLeft('2026-11-23T09:05:00Z', NOW)).toEqual({ kind: 'left', minutes: 185 })
    expect(timeLeft('2026-11-23T05:59:30Z', NOW)).toEqual({ kind: 'overdue', minutes: 1 })
    expect(timeLeft(null, NOW)).toEqual({ kind: 'none', minutes: 0 })
    expect(timeLeft('junk', NOW).kind).toBe('none')
  })
  it('is written the Chinese way, with the two largest units', () => {
    expect(formatDuration(t, 12)).toBe('12分钟')
    expect(formatDuration(t, 185)).toBe('3小时5分')
    expect(formatDuration(t, 180)).toBe('3小时')
    expect(formatDuration(t, 1440 * 2 + 61)).toBe('2天1小时')
    expect(formatDuration(t, 1440)).toBe('1天')
    expect(formatTimeLeft(t, { kind: 'left', minutes: 185 })).toBe('剩余 3小时5分')
    expect(formatTimeLeft(t, { kind: 'overdue', minutes: 20 })).toBe('超期 20分钟')
    expect(formatTimeLeft(t, { kind: 'left', minutes: 0 })).toBe('即将到期')
    expect(formatTimeLeft(t, { kind: 'none', minutes: 0 })).toBe('')
    expect(urgency({ kind: 'left', minutes: 59 })).toBe('soon')
    expect(urgency({ kind: 'left', minutes: 60 })).toBe('ok')
    expect(urgency({ kind: 'overdue', minutes: 1 })).toBe('overdue')
  })
  it('shows the time remaining or overdue, the deadline only in the tooltip', () => {
    const NOW = new Date(2026, 10, 23, 14, 0) // local time, as the tooltip shows it
    const at = (m: number) => new Date(NOW.getTime() + m * 60000).toISOString()
    expect(describeDeadline(t, at(80), NOW)).toEqual({ text: '剩余 1小时20分', urgency: 'ok', deadline: '截止 2026年11月23日 15:20' })
    expect(describeDeadline(t, at(-(2 * 1440 + 3 * 60)), NOW)).toEqual({ text: '超期 2天3小时', urgency: 'overdue', deadline: '截止 2026年11月21日 11:00' })
    expect(describeDeadline(t, at(59), NOW).text).toBe('剩余 59分钟')
    expect(describeDeadline(t, at(59), NOW).urgency).toBe('soon')
    expect(describeDeadline(t, at(3 * 1440), NOW).text).toBe('剩余 3天')
    expect(describeDeadline(t, at(0.5), NOW).text).toBe('即将到期')
    expect(describeDeadline(t, at(-0.5), NOW).text).toBe('超期 1分钟')
    // the server's flag wins over this browser's clock (no amount: the clocks disagree)
    expect(describeDeadline(t, at(5), NOW, { overdue: true })).toEqual({ text: '已超期', urgency: 'overdue', deadline: '截止 2026年11月23日 14:05' })
    expect(describeDeadline(t, null, NOW)).toEqual({ text: '', urgency: 'none', deadline: '' })
    expect(describeDeadline(t, 'junk', NOW).text).toBe('')
    for (const d of [at(80), at(-3060), at(5)]) expect(describeDeadline(t, d, NOW).text).not.toMatch(/\d{1,2}:\d{2}/)
    g.locale.value = 'en'
    try {
      expect(describeDeadline(t, at(80), NOW, { locale: 'en' })).toEqual({ text: '1 h 20 min left', urgency: 'ok', deadline: 'due 2026-11-23 15:20' })
      expect(describeDeadline(t, at(-3060), NOW, { locale: 'en' }).text).toBe('overdue 2 d 3 h')
      expect(describeDeadline(t, at(5), NOW, { overdue: true, locale: 'en' }).text).toBe('overdue')
      expect(describeDeadline(t, at(0.5), NOW, { locale: 'en' }).text).toBe('due now')
    } finally {
      g.locale.value = 'zh-CN'
    }
  })
  it('states the limits in working time', () => {
    expect(limitText(t, '2h')).toBe('2 工作时')
    expect(limitText(t, '20d')).toBe('20 个工作日')
    expect(limitText(t, '30m')).toBe('30 工作分钟')
    expect(limitText(t, 'odd')).toBe('odd')
    g.locale.value = 'en'
    try {
      expect(limitText(t, '5d')).toBe('5 working days')
      expect(formatTimeLeft(t, { kind: 'left', minutes: 185 })).toBe('3 h 5 min left')
    } finally {
      g.locale.value = 'zh-CN'
    }
  })
  it('takes the department’s own deadline: accepting, then handling', () => {
    const d = { state: 'dispatched', accept_due: 'A', handle_due: null }
    expect(departmentDue(d)).toEqual({ stage: 'accept', due: 'A' })
    expect(departmentDue({ ...d, state: 'accepted', handle_due: 'H' })).toEqual({ stage: 'handle', due: 'H' })
    expect(departmentDue({ ...d, state: 'returned' })).toEqual({ stage: '', due: null })
    expect(departmentDue(undefined).due).toBeNull()
  })
  it('formats times as 2026年11月23日 14:05 with a 24-hour clock', () => {
    const v = new Date(2026, 10, 23, 14, 5).toISOString()
    expect(formatTime(v)).toBe('2026年11月23日 14:05')
    expect(formatTime(v, 'zh-CN', { short: true, now: new Date(2026, 0, 1) })).toBe('11月23日 14:05')
    expect(formatTime(v, 'zh-CN', { short: true, now: new Date(2025, 0, 1) })).toBe('2026年11月23日 14:05')
    expect(formatTime(v, 'en')).toBe('2026-11-23 14:05')
    expect(formatTime(new Date(2026, 0, 2, 9, 0).toISOString())).toBe('2026年1月2日 09:00')
    expect(formatTime(null)).toBe('')
  })
})

describe('which actions a user may take', () => {
  const street = me({ role: 'street_operator', node_id: 2 })
  const grid = me({ role: 'grid_worker', node_id: 4 })
  const leader = me({ role: 'grid_leader', node_id: 4 })
  const community = me({ role: 'community_staff', node_id: 3 })
  const dept = me({ role: 'department_staff', org_id: 82 })
  const dispatched = (role: 'lead' | 'co', state = 'dispatched') => ({
    org_id: 82, name: '城管', role, state, dispatched_at: '', accept_due: null, accepted_at: null, handle_due: null, handled_at: null,
  })

  it('mirrors case.go: the role table and the states each action starts from', () => {
    const src = readFileSync(fileURLToPath(new URL('../../case.go', import.meta.url)), 'utf8')
    const roleConst: Record<string, string> = {
      RoleResident: 'resident', RoleGridWorker: 'grid_worker', RoleGridLeader: 'grid_leader', RoleCommunityStaff: 'community_staff',
      RoleStreetOperator: 'street_operator', RoleDepartmentStaff: 'department_staff', RoleDistrictAdmin: 'district_admin',
    }
    const actConst: Record<string, string> = {}
    for (const m of src.matchAll(/\t(Act\w+)\s+CaseAction = "(\w+)"/g)) actConst[m[1]] = m[2]
    const stateConst: Record<string, string> = {}
    for (const m of src.matchAll(/\t(Case\w+)\s+CaseState = "(\w+)"/g)) stateConst[m[1]] = m[2]
    const block = (name: string) => src.slice(src.indexOf(`var ${name} = map`), src.indexOf('\n}\n', src.indexOf(`var ${name} = map`)))
    const read = (name: string, consts: Record<string, string>) =>
      Object.fromEntries(
        [...block(name).matchAll(/\t(Act\w+):\s*\{([^}]*)\}/g)].map((m) => [
          actConst[m[1]],
          m[2].split(',').map((x) => consts[x.trim()]).filter(Boolean).sort(),
        ]),
      )
    const sorted = (o: Record<string, string[]>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, [...v].sort()]))
    expect(sorted(CASE_ROLES)).toEqual(read('caseRoles', roleConst))
    expect(sorted(CASE_FROM)).toEqual(read('caseFrom', stateConst))
  })

  it('gives the dispatching level register, void and merge on a new report', () => {
    expect(availableActions(street, kase({ state: 'reported' }))).toEqual(['register', 'merge', 'void'])
    expect(availableActions(community, kase({ state: 'registered' }))).toEqual(['dispatch', 'escalate', 'merge', 'void'])
    expect(availableActions(grid, kase({ state: 'reported' }))).toEqual([])
  })
  it('lets the lead department accept or return, then handle', () => {
    expect(availableActions(dept, kase({ state: 'dispatched', departments: [dispatched('lead')] }))).toEqual(['accept', 'return'])
    expect(availableActions(dept, kase({ state: 'accepted', departments: [dispatched('lead', 'accepted')] }))).toEqual([
      'feedback',
      'request_extend',
      'suspend',
    ])
    // an extension awaits a decision: no feedback, no second request; the dispatcher decides
    const waiting = kase({ state: 'accepted', extend_request: '2d', departments: [dispatched('lead', 'accepted')] })
    expect(availableActions(dept, waiting)).toEqual(['suspend'])
    expect(availableActions(street, waiting)).toEqual(['approve_extend', 'reject_extend', 'suspend', 'escalate'])
    // dispatched by the community (node 3): the community decides, the street above does not
    const byCommunity = { ...waiting, dispatch_node_id: 3 }
    expect(availableActions(community, byCommunity)).toEqual(['approve_extend', 'reject_extend', 'escalate'])
    expect(availableActions(street, byCommunity)).toEqual(['suspend', 'escalate'])
    expect(availableActions(dept, kase({ state: 'suspended', departments: [dispatched('lead', 'accepted')] }))).toEqual(['resume'])
  })
  it('lets a co-handler act on its own row only', () => {
    expect(availableActions(dept, kase({ state: 'dispatched', departments: [dispatched('co')] }))).toEqual(['accept', 'return'])
    expect(availableActions(dept, kase({ state: 'accepted', departments: [dispatched('co', 'accepted')] }))).toEqual(['feedback'])
    expect(availableActions(dept, kase({ state: 'accepted', departments: [dispatched('co', 'handled')] }))).toEqual([])
  })
  it('gives nothing to a department not on the case, or one that returned it', () => {
    expect(availableActions(dept, kase({ state: 'dispatched', departments: [] }))).toEqual([])
    expect(availableActions(dept, kase({ state: 'registered', departments: [dispatched('lead', 'returned')] }))).toEqual([])
  })
  it('keeps a grid role to its own grid', () => {
    const gw = me({ role: 'grid_worker', node_id: 4 })
    gw.roles[0].node_kind = 'grid'
    expect(availableActions(gw, kase({ state: 'handled', grid_id: 4 }))).toEqual(['verify_pass', 'verify_fail'])
    expect(availableActions(gw, kase({ state: 'handled', grid_id: 5 }))).toEqual([]) // reported next door: readable, not theirs
  })
  it('lets grid workers verify and grid leaders escalate', () => {
    expect(availableActions(grid, kase({ state: 'handled' }))).toEqual(['verify_pass', 'verify_fail'])
    expect(availableActions(leader, kase({ state: 'handled' }))).toEqual(['verify_pass', 'verify_fail', 'escalate'])
    expect(availableActions(leader, kase({ state: 'handled', level: 3 }))).toEqual(['verify_pass', 'verify_fail'])
  })
  it('lets staff enter the call-back; residents rate through their follow link', () => {
    expect(availableActions(street, kase({ state: 'verified' }))).toEqual(['rate'])
    expect(availableActions(me({ role: 'resident', node_id: 4 }), kase({ state: 'verified' }))).toEqual([])
  })
  it('gives nothing on a final case or without a login', () => {
    expect(availableActions(street, kase({ state: 'closed' }))).toEqual([])
    expect(availableActions(street, kase({ state: 'voided' }))).toEqual([])
    expect(availableActions(null, kase())).toEqual([])
    expect(availableActions(me({ role: 'leader', node_id: 1 }), kase({ state: 'reported' }))).toEqual([])
  })
  it('checks the state rules of extensions and the ladder', () => {
    expect(stateAllows(kase({ state: 'accepted' }), 'approve_extend')).toBe(false)
    expect(stateAllows(kase({ state: 'accepted', extend_request: '5d' }), 'approve_extend')).toBe(true)
    expect(stateAllows(kase({ state: 'registered', level: 2 }), 'escalate')).toBe(true)
    expect(stateAllows(kase({ state: 'registered', level: 3 }), 'escalate')).toBe(false)
  })
  it('tells a stale version from other conflicts', () => {
    const stale = new ApiError({ status: 409, detail: 'case 1 changed since version 1 (it is at version 2 now): reload it and try again' })
    const state = new ApiError({ status: 409, detail: 'a closed case cannot be given "register"' })
    expect(isStaleVersion(stale)).toBe(true)
    expect(isStaleVersion(state)).toBe(false)
    expect(isStaleVersion(new ApiError({ status: 403, detail: 'changed since version' }))).toBe(false)
    expect(isStaleVersion(null)).toBe(false)
  })
  it('writes extension requests the way the server reads them', () => {
    expect(extendValue(5, 'd')).toBe('5d')
    expect(extendValue(4, 'h')).toBe('4h')
    expect(extendValue(0, 'd')).toBe('')
    expect(extendValue(366, 'd')).toBe('')
  })
})

describe('photo uploads', () => {
  const f = (name: string, type: string, size: number) => ({ name, type, size })
  it('takes JPEG, PNG and WebP up to 10 MB', () => {
    expect(checkPhoto(f('a.jpg', 'image/jpeg', 1000))).toBeNull()
    expect(checkPhoto(f('a.png', 'image/png', MAX_PHOTO_BYTES))).toBeNull()
    expect(checkPhoto(f('a.webp', 'image/webp', 5))).toBeNull()
    expect(checkPhoto(f('a.jpg', '', 5))).toBeNull() // some phones give no type: the name decides, the server checks the bytes
    expect(checkPhoto(f('a.png', 'image/png', MAX_PHOTO_BYTES + 1))).toBe('too_large')
    expect(checkPhoto(f('a.gif', 'image/gif', 5))).toBe('format')
    expect(checkPhoto(f('a.heic', 'image/heic', 5))).toBe('format')
    expect(checkPhoto(f('a.pdf', '', 5))).toBe('format')
    expect(checkPhoto(f('a.jpg', 'image/jpeg', 0))).toBe('empty')
  })
  it('keeps at most 9 photos in all', () => {
    const files = Array.from({ length: 5 }, (_, i) => f(`${i}.jpg`, 'image/jpeg', 10))
    const r = pickPhotos([...files, f('x.gif', 'image/gif', 1)], 6)
    expect(r.accepted.map((x) => x.name)).toEqual(['0.jpg', '1.jpg', '2.jpg'])
    expect(r.refused.map((x) => [x.file.name, x.rule])).toEqual([
      ['3.jpg', 'max_items'],
      ['4.jpg', 'max_items'],
      ['x.gif', 'format'],
    ])
    expect(pickPhotos(files, MAX_PHOTOS).accepted).toEqual([])
    expect(formatBytes(12.5 * 1024 * 1024)).toBe('12.5 MB')
    expect(formatBytes(300)).toBe('1 KB')
  })
})

describe('category search', () => {
  const cats = [
    { id: 1, code: '01', name: '市容环境', kind: 'event', matter: 'public', register_limit: '1h', accept_limit: '1h', handle_limit: '5d', active: true, pinyin: 'shironghuanjing', initials: 'srhj frhj' },
    { id: 2, code: '0101', name: '暴露垃圾', parent_code: '01', kind: 'event', matter: 'public', register_limit: '1h', accept_limit: '1h', handle_limit: '2h', active: true, pinyin: 'baolulaji', initials: 'bllj pllj' },
    { id: 3, code: '0102', name: '积存垃圾渣土', parent_code: '01', kind: 'event', matter: 'public', register_limit: '1h', accept_limit: '1h', handle_limit: '1d', active: true, pinyin: 'jicunlajizhatu', initials: 'jcljzt' },
    { id: 4, code: '1001', name: '井盖破损丢失', parent_code: '10', kind: 'component', matter: 'public', register_limit: '1h', accept_limit: '1h', handle_limit: '2h', active: true, pinyin: 'jinggaiposundiushi', initials: 'jgpsds' },
    { id: 5, code: '1002', name: '路灯损坏', parent_code: '10', kind: 'component', matter: 'public', register_limit: '1h', accept_limit: '1h', handle_limit: '5d', active: false, pinyin: 'ludengsunhuai', initials: 'ldsh' },
  ]
  it('matches names, codes, pinyin and every variant of the initials', () => {
    expect(categoryMatches(cats[1], '垃圾')).toBe(true)
    expect(categoryMatches(cats[1], 'bllj')).toBe(true)
    expect(categoryMatches(cats[1], 'PLLJ')).toBe(true)
    expect(categoryMatches(cats[1], 'laji')).toBe(true)
    expect(categoryMatches(cats[1], '0101')).toBe(true)
    expect(categoryMatches(cats[1], 'jg')).toBe(false)
  })
  it('lists active minor categories under their major one; a major match keeps its minors', () => {
    expect(searchCategories(cats, 'lj').flatMap((g) => g.items.map((c) => c.code))).toEqual(['0101', '0102'])
    expect(searchCategories(cats, 'srhj').map((g) => [g.code, g.items.length])).toEqual([['01', 2]])
    expect(searchCategories(cats, '').flatMap((g) => g.items.map((c) => c.code))).toEqual(['0101', '0102', '1001'])
    expect(searchCategories(cats, 'ldsh')).toEqual([]) // inactive
  })
})

describe('the follow link', () => {
  it('is a token the API accepts, new each time', () => {
    const a = newFollowToken()
    expect(validFollowToken(a)).toBe(true)
    expect(a).toHaveLength(24)
    expect(newFollowToken()).not.toBe(a)
    expect(newFollowToken(() => new Uint8Array(24))).toBe('A'.repeat(24))
  })
  it('remembers the reports made on this phone, newest first, once each', () => {
    const m = new Map<string, string>()
    const s = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) }
    const r = (token: string) => ({ token, number: 'n', category: 'c', at: '' })
    rememberReport(r('a'.repeat(20)), s)
    rememberReport(r('b'.repeat(20)), s)
    rememberReport(r('a'.repeat(20)), s)
    expect(followedReports(s).map((x) => x.token[0])).toEqual(['a', 'b'])
    m.set('redgrid.follow', 'junk')
    expect(followedReports(s)).toEqual([])
  })
})

describe('retried reports', () => {
  it('keep their Idempotency-Key while the body is the same', async () => {
    const { retryKeys } = await import('../src/cases/follow')
    let n = 0
    const k = retryKeys(() => `k${++n}`)
    expect(k.keyFor({ a: 1 })).toBe('k1')
    expect(k.keyFor({ a: 1 })).toBe('k1')
    expect(k.keyFor({ a: 2 })).toBe('k2')
    k.reset()
    expect(k.keyFor({ a: 2 })).toBe('k3')
  })
})

describe('photo refusals from the server', () => {
  it('name the photo rule in Chinese', async () => {
    const { fieldMessage } = await import('../src/problems')
    const zh = { locale: 'zh-CN' }
    expect(fieldMessage(t, { field: 'file', rule: 'image_format', message: 'the file is not a JPEG, PNG or WebP image' }, zh)).toBe('只能上传 JPEG、PNG 或 WebP 图片')
    expect(fieldMessage(t, { field: 'file', rule: 'max_bytes', message: 'at most 10485760 bytes' }, zh)).toBe('照片不能超过 10 MB')
    expect(fieldMessage(t, { field: 'file', rule: 'corrupt', message: 'the image cannot be read' }, zh)).toBe('图片已损坏，无法读取')
  })
})

describe('the case figures', () => {
  it('shows shares as percentages, averages as numbers, and nothing to divide as —', () => {
    expect(figureValue({ key: 'close_rate', value: 0.125, numerator: 6, denominator: 48 })).toBe('12.5%')
    expect(figureValue({ key: 'response_rate', value: 36 / 42, numerator: 36, denominator: 42 })).toBe('85.7%')
    expect(figureValue({ key: 'resolve_rate', value: 1, numerator: 6, denominator: 6 })).toBe('100%')
    expect(figureValue({ key: 'close_rate', value: null, numerator: 0, denominator: 0 })).toBe('—')
    // working hours to accept, not a share: 1.58 h, never "158.3%"
    expect(figureValue({ key: 'avg_accept_hours', value: 19 / 12, numerator: 19, denominator: 12 })).toBe('1.6')
    expect(figureValue({ key: 'avg_accept_hours', value: null, numerator: 0, denominator: 0 })).toBe('—')
  })
  it('keeps the fraction short', () => {
    expect(figureFraction({ key: 'satisfaction_rate', value: 0.575, numerator: 6 + 0.9, denominator: 12 })).toBe('6.9 / 12')
    expect(figureFraction({ key: 'avg_accept_hours', value: 0, numerator: 7 / 12, denominator: 12 })).toBe('0.58 / 12')
    expect(figureFraction({ key: 'close_rate', value: null, numerator: 0, denominator: 0 })).toBe('0 / 0')
  })
})

describe('三事分办: the routing offered follows the matter', () => {
  const street = me({ role: 'street_operator', node_id: 2 })
  const community = me({ role: 'community_staff', node_id: 3 })
  const dept = me({ role: 'department_staff', org_id: 82 })
  it('offers 派遣 for a public matter, 交社区自治 for a community matter, 引导办理 for a private one', () => {
    expect(availableActions(community, kase({ state: 'registered', matter: 'public' }))).toEqual(['dispatch', 'escalate', 'merge', 'void'])
    expect(availableActions(community, kase({ state: 'registered', matter: 'community' }))).toEqual(['self_govern', 'escalate', 'merge', 'void'])
    expect(availableActions(street, kase({ state: 'registered', matter: 'private' }))).toEqual(['guide', 'escalate', 'merge', 'void'])
    expect(ROUTE_ACTION).toEqual({ public: 'dispatch', community: 'self_govern', private: 'guide' })
    expect(routeMatter('guide')).toBe('private')
    expect(routeMatter('accept')).toBeUndefined()
  })
  it('lets the community handle a case it took on itself, and the street decide its extension', () => {
    const own = kase({ state: 'accepted', matter: 'community', route: 'community' })
    expect(availableActions(community, own)).toEqual(['feedback', 'request_extend', 'suspend', 'escalate'])
    expect(availableActions(dept, own)).toEqual([])
    const waiting = { ...own, extend_request: '2d' }
    expect(availableActions(community, waiting)).toEqual(['suspend', 'escalate'])
    expect(availableActions(street, waiting)).toEqual(['approve_extend', 'reject_extend', 'suspend', 'escalate'])
    expect(roleMayActOn('community_staff', 'feedback', { route: 'department' })).toBe(false)
    expect(roleMayActOn('community_staff', 'resume', own)).toBe(true)
  })
  it('asks a guided case for its call-back only', () => {
    const guided = kase({ state: 'guided', matter: 'private', route: 'guide', guidance: '可申请人民调解' })
    expect(availableActions(street, guided)).toEqual(['rate'])
    expect(availableActions(community, guided)).toEqual(['rate'])
    expect(availableActions(dept, guided)).toEqual([])
  })
})
