import { describe, expect, it } from 'vitest'
import { i18n } from '../src/i18n'
import { ApiError } from '../src/api/client'
import { COLOURS, POSTS, type GridStaff, type Me, type Member, type RosterGap } from '../src/api/types'
import { useSubmit } from '../src/forms'
import { localizedFieldErrors } from '../src/problems'
import {
  addDays,
  canRequestRegistration,
  canWriteParty,
  COLOUR_HEX,
  colourLabel,
  linkLabel,
  postLabel,
  registrationStatus,
  rosterWeek,
  shortcomingLabel,
  staffingByGrid,
  todayInChina,
  toggleWeekday,
  weekdayLabel,
  weekdayOf,
} from '../src/people'

const g = i18n.global
const t = (k: string, n?: Record<string, unknown>) => (n ? g.t(k, n) : g.t(k))

function member(over: Partial<Member> = {}): Member {
  return {
    id: 1,
    name: '陈志远',
    phone: '137****2222',
    branch_id: 1,
    branch_name: '五堰第一网格党支部',
    joined_on: '2010-07-01',
    status: 'full',
    workplace: '区财政局',
    in_service: true,
    sinking: true,
    residence_id: 9,
    residence_name: '1栋',
    user_id: null,
    version: 1,
    created_at: '2025-01-01T00:00:00Z',
    weekdays: [],
    ...over,
  }
}
const reg = (state: string, overdue = false) => ({
  id: 5,
  member_id: 1,
  member_name: '陈志远',
  community_id: 3,
  community_name: '五堰社区',
  state,
  requested_at: '2025-01-01T00:00:00Z',
  overdue,
})

describe('dual registration', () => {
  it('stands: none, pending, confirmed, overdue', () => {
    expect(registrationStatus(member())).toBe('none')
    expect(registrationStatus(member({ registration: reg('pending') }))).toBe('pending')
    expect(registrationStatus(member({ registration: reg('confirmed') }))).toBe('confirmed')
    expect(registrationStatus(member({ registration: reg('confirmed', true) }))).toBe('overdue')
    expect(registrationStatus(null)).toBe('none')
  })
  it('is asked for by in-service members not registered or overdue', () => {
    expect(canRequestRegistration(member())).toBe(true)
    expect(canRequestRegistration(member({ registration: reg('confirmed', true) }))).toBe(true)
    expect(canRequestRegistration(member({ registration: reg('pending') }))).toBe(false)
    expect(canRequestRegistration(member({ registration: reg('confirmed') }))).toBe(false)
    expect(canRequestRegistration(member({ in_service: false, sinking: false }))).toBe(false)
  })
  it('is confirmed by community staff and above, not by grid workers or leaders', () => {
    const me = (role: string): Me => ({ id: 1, username: 'u', display_name: 'u', roles: [{ id: 1, role, node_id: 1, org_id: null }] })
    expect(canWriteParty(me('community_staff'))).toBe(true)
    expect(canWriteParty(me('district_admin'))).toBe(true)
    expect(canWriteParty(me('grid_worker'))).toBe(false)
    expect(canWriteParty(me('leader'))).toBe(false)
    expect(canWriteParty(null)).toBe(false)
  })
})

describe('dates', () => {
  it('adds days across months and years, weekdays Monday = 1', () => {
    expect(addDays('2025-01-30', 3)).toBe('2025-02-02')
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01')
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29')
    expect(weekdayOf('2025-06-02')).toBe(1) // a Monday
    expect(weekdayOf('2025-06-08')).toBe(7)
  })
  it('today is China time whatever the machine zone', () => {
    expect(todayInChina(new Date('2025-06-01T16:30:00Z'))).toBe('2025-06-02') // 00:30 in Beijing
    expect(todayInChina(new Date('2025-06-01T15:59:00Z'))).toBe('2025-06-01')
  })
})

describe('the roster calendar', () => {
  // Wednesday 2025-06-04: the week ahead runs to Tuesday 06-10.
  const today = '2025-06-04'
  const members = [
    member({ id: 1, name: '陈志远', weekdays: [1, 3] }),
    member({ id: 2, name: '刘红梅', weekdays: [2] }),
    member({ id: 3, name: '周建华', weekdays: [1] }),
    member({ id: 4, name: '孙国强', sinking: false, weekdays: [4] }), // not sinking: not on duty
  ]
  const gaps: RosterGap[] = [
    { community_id: 3, community_name: '五堰社区', date: '2025-06-05', weekday: 4 },
    { community_id: 3, community_name: '五堰社区', date: '2025-06-06', weekday: 5 },
    { community_id: 4, community_name: '柳林社区', date: '2025-06-09', weekday: 1 },
  ]
  it('shows Monday to Friday with the members on duty and the gaps of this community', () => {
    const week = rosterWeek(members, gaps, 3, today)
    expect(week.map((d) => d.weekday)).toEqual([1, 2, 3, 4, 5])
    expect(week.map((d) => d.date)).toEqual(['2025-06-09', '2025-06-10', '2025-06-04', '2025-06-05', '2025-06-06'])
    expect(week.map((d) => d.members.map((m) => m.name))).toEqual([['陈志远', '周建华'], ['刘红梅'], ['陈志远'], [], []])
    expect(week.map((d) => d.gap)).toEqual([false, false, false, true, true])
    expect(week.every((d) => !d.off)).toBe(true)
  })
  it('a weekday without anyone and without a gap is a holiday; a make-up Saturday with a gap is shown', () => {
    const week = rosterWeek([], [{ community_id: '3', community_name: '五堰社区', date: '2025-06-07', weekday: 6 }], '3', today)
    expect(week.map((d) => d.weekday)).toEqual([1, 2, 3, 4, 5, 6])
    expect(week.filter((d) => d.off).map((d) => d.weekday)).toEqual([1, 2, 3, 4, 5])
    expect(week.find((d) => d.weekday === 6)?.gap).toBe(true)
  })
  it('toggles a weekday in order', () => {
    expect(toggleWeekday([1, 3], 2)).toEqual([1, 2, 3])
    expect(toggleWeekday([1, 2, 3], 2)).toEqual([1, 3])
  })
  it('weekday names in both languages', () => {
    g.locale.value = 'zh-CN'
    expect([1, 5, 7].map((d) => weekdayLabel(t, d))).toEqual(['周一', '周五', '周日'])
    g.locale.value = 'en'
    expect(weekdayLabel(t, 1)).toBe('Mon')
    g.locale.value = 'zh-CN'
  })
})

describe('grid staffing 1+3+N', () => {
  const s = (over: Partial<GridStaff>): GridStaff => ({
    id: 1,
    grid_id: 10,
    grid_name: '五堰第一网格',
    microgrid_id: null,
    post: 'leader',
    post_label: '网格长',
    name: '黄建国',
    phone: '139****0001',
    party_member: true,
    branch_secretary: false,
    user_id: null,
    since: '2024-01-01',
    version: 1,
    created_at: '',
    ...over,
  })
  it('groups by grid, posts in the order of 1+3+N, vacant posts kept, 一肩挑 marked', () => {
    const grids = staffingByGrid([
      s({ id: 3, grid_id: 11, grid_name: '五堰第二网格', post: 'volunteer', name: '何明' }),
      s({ id: 2, post: 'full_time', name: '李娜' }),
      s({ id: 1, branch_secretary: true }),
    ])
    expect(grids.map((x) => x.grid_name)).toEqual(['五堰第一网格', '五堰第二网格'])
    expect(grids[0].posts.map((p) => p.post)).toEqual([...POSTS])
    expect(grids[0].posts.map((p) => p.people.map((x) => x.name))).toEqual([['黄建国'], ['李娜'], [], [], []])
    expect(grids[0].oneShoulder).toBe(true)
    expect(grids[1].oneShoulder).toBe(false)
  })
  it('post names', () => {
    expect(postLabel(t, 'leader')).toBe('网格长')
    expect(postLabel(t, 'new_post')).toBe('new_post')
  })
})

describe('volunteers, co-building, red property', () => {
  it('the seven colours have names and colours', () => {
    expect(COLOURS.map((c) => colourLabel(t, c))).toEqual(['关爱老人', '文化体育', '民生事务', '关心下一代', '治安维稳', '政策法规', '妇女维权'])
    expect(COLOURS.every((c) => /^#[0-9a-f]{6}$/.test(COLOUR_HEX[c]))).toBe(true)
  })
  it('what is lacking, in words', () => {
    expect(linkLabel(t, 'street_cadre')).toBe('街道指导干部')
    expect(shortcomingLabel(t, 'no_branch')).toBe('未建党支部')
    expect(shortcomingLabel(t, 'other')).toBe('other')
  })
})

describe('forms', () => {
  it('a refused save puts the errors on the fields the server names, in the form’s words', async () => {
    const sub = useSubmit(t, { branch_id: 'people.members.branch' })
    const got = await sub.run(() =>
      Promise.reject(
        new ApiError({
          status: 400,
          detail: 'invalid',
          errors: [{ field: 'branch_id', rule: 'same_community', message: 'a sinking member is placed in a branch of the community where they live' }],
        }),
      ),
    )
    expect(got).toBeUndefined()
    expect(sub.errors.value).toEqual({ branch_id: '下沉党员须编入其居住社区的党支部' })
    expect(sub.message.value).toContain('所在党支部')
    expect(sub.busy.value).toBe(false)
    expect(await sub.run(() => Promise.resolve(7))).toBe(7)
    expect(sub.errors.value).toEqual({})
  })
  it('the specific text is only for a member’s branch', () => {
    const p = { status: 400, errors: [{ field: 'into', rule: 'same_community', message: 'x' }] }
    expect(localizedFieldErrors(t, p, { locale: 'zh-CN' }).into).toBe('只能合并到同一社区的案件')
  })
})
