// The people registers of issue 6 — party members (双报到, 报到证, the roster), grid staffing
// 1+3+N, volunteers, co-building and red property: what their pages show, kept out of the views
// so that it can be unit tested.
import { COLOURS, POSTS, type GridStaff, type Me, type Member, type RosterGap } from './api/types'
import { lookup } from './labels'

type T = (key: string, named?: Record<string, unknown>) => string

/** Roles that record members, confirm registrations and set the roster (party.write). */
export const PARTY_WRITE_ROLES = ['community_staff', 'street_operator', 'district_admin']
/** Roles that fill the posts of a grid (community, street, district: above the grid). */
export const STAFFING_WRITE_ROLES = ['community_staff', 'street_operator', 'district_admin']

export const canWriteParty = (me: Me | null) => !!me?.roles?.some((g) => PARTY_WRITE_ROLES.includes(g.role))
export const canWriteStaffing = (me: Me | null) => !!me?.roles?.some((g) => STAFFING_WRITE_ROLES.includes(g.role))

/** Where a member's dual registration stands. */
export type RegistrationStatus = 'none' | 'pending' | 'confirmed' | 'overdue'

export function registrationStatus(m: Pick<Member, 'registration'> | null | undefined): RegistrationStatus {
  const r = m?.registration
  if (!r) return 'none'
  if (r.state === 'pending') return 'pending'
  return r.overdue ? 'overdue' : 'confirmed'
}

export function registrationTagType(s: RegistrationStatus): 'success' | 'warning' | 'danger' | 'info' {
  return s === 'confirmed' ? 'success' : s === 'pending' ? 'warning' : s === 'overdue' ? 'danger' : 'info'
}

/** Who may ask to register: in-service members without a confirmed, current registration. */
export function canRequestRegistration(m: Member): boolean {
  const s = registrationStatus(m)
  return m.in_service && (s === 'none' || s === 'overdue')
}

/** "2025-01-31" plus n days, as "YYYY-MM-DD" (calendar arithmetic, no time zone involved). */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10)
}

/** 1 Monday … 7 Sunday of a "YYYY-MM-DD". */
export function weekdayOf(date: string): number {
  const [y, m, d] = date.split('-').map(Number)
  const w = new Date(Date.UTC(y, m - 1, d)).getUTCDay()
  return w === 0 ? 7 : w
}

/** Today in China (UTC+8, no daylight saving), "YYYY-MM-DD". */
export const todayInChina = (now: Date = new Date()) => new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10)

/** One day of the roster calendar. */
export interface RosterDay {
  weekday: number
  /** the day of the week ahead (today included) that falls on this weekday */
  date: string
  /** the sinking members on duty that weekday */
  members: Member[]
  /** a working day with nobody on duty (the server's gaps) */
  gap: boolean
  /** no member and no gap: not a working day there (a holiday) */
  off: boolean
}

/**
 * The week grid of one community: Monday to Friday, and a weekend day only when it is a make-up
 * working day (调休) with a gap; each day's date in the week ahead from today, the sinking members
 * on the roster that weekday and whether the server lists the day as a gap.
 */
export function rosterWeek(members: Member[], gaps: RosterGap[], communityId: string | number, today: string): RosterDay[] {
  const gapDates = new Set(gaps.filter((g) => String(g.community_id) === String(communityId)).map((g) => g.date))
  const days: RosterDay[] = []
  for (let i = 0; i < 7; i++) {
    const date = addDays(today, i)
    const weekday = weekdayOf(date)
    const on = members
      .filter((m) => m.sinking && (m.weekdays ?? []).includes(weekday))
      .sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'))
    const gap = gapDates.has(date)
    if (weekday > 5 && !gap && on.length === 0) continue
    days.push({ weekday, date, members: on, gap, off: !gap && on.length === 0 })
  }
  return days.sort((a, b) => a.weekday - b.weekday)
}

/** The weekdays with the day toggled, in order. */
export function toggleWeekday(days: number[], d: number): number[] {
  return days.includes(d) ? days.filter((x) => x !== d) : [...days, d].sort((a, b) => a - b)
}

/** 周一 … 周日 / Mon … Sun. */
export const weekdayLabel = (t: T, d: number) => t(`people.weekdays.${d}`)

/** One grid's posts in the order of 1+3+N, with the 一肩挑 mark. */
export interface GridStaffing {
  grid_id: string | number
  grid_name: string
  posts: { post: string; people: GridStaff[] }[]
  oneShoulder: boolean
}

/** Each grid's posts (POSTS order), grids by id. */
export function staffingByGrid(staff: GridStaff[]): GridStaffing[] {
  const byGrid = new Map<string, GridStaffing>()
  for (const s of staff) {
    const k = String(s.grid_id)
    let g = byGrid.get(k)
    if (!g) byGrid.set(k, (g = { grid_id: s.grid_id, grid_name: s.grid_name, posts: POSTS.map((post) => ({ post, people: [] })), oneShoulder: false }))
    let slot = g.posts.find((p) => p.post === s.post)
    if (!slot) g.posts.push((slot = { post: s.post, people: [] }))
    slot.people.push(s)
    if (s.post === 'leader' && s.branch_secretary) g.oneShoulder = true
  }
  // grids in the order they were made (their ids): 第一网格 before 第二网格, which a
  // collation by pinyin would put the other way round
  return [...byGrid.values()].sort((a, b) => Number(a.grid_id) - Number(b.grid_id))
}

export const postLabel = (t: T, p: string) => lookup(t, 'people.posts', POSTS, p)

/** The seven colours' own colours (红 橙 黄 绿 青 蓝 紫). */
export const COLOUR_HEX: Record<string, string> = {
  elderly: '#e53935',
  culture: '#fb8c00',
  welfare: '#fdd835',
  youth: '#43a047',
  security: '#00acc1',
  law: '#1e88e5',
  women: '#8e24aa',
}
export const colourLabel = (t: T, c: string) => lookup(t, 'people.colours', COLOURS, c)

/** What a community of 五个一 lacks (leader, unit, street_cadre), in words. */
export const linkLabel = (t: T, l: string) => lookup(t, 'people.links', ['leader', 'unit', 'street_cadre'], l)
/** What red property finds lacking (no_branch, no_cross_post …). */
export const shortcomingLabel = (t: T, s: string) => lookup(t, 'people.shortcomings', ['no_branch', 'no_cross_post'], s)
