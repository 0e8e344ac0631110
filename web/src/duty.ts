// Posts and duties (设岗定责), 包保, members leaving, volunteer stations, agreements due for
// renewal and owners' committees' terms (issue 6 items 2, 4, 5, 6): what their pages show,
// kept out of the views so that it can be unit tested.
import { LEAVE_REASONS, STATION_KINDS, type Id, type MemberLeave, type MemberPost, type Node } from './api/types'
import { lookup } from './labels'

type T = (key: string, named?: Record<string, unknown>) => string

/** Where a post stands on a day: held now, not started yet, past its planned end, or ended. */
export type PostState = 'active' | 'upcoming' | 'lapsed' | 'ended'

export function postState(p: Pick<MemberPost, 'starts_on' | 'ends_on' | 'ended_on'>, today: string): PostState {
  if (p.ended_on) return 'ended'
  if (p.starts_on > today) return 'upcoming'
  if (p.ends_on && p.ends_on < today) return 'lapsed'
  return 'active'
}

export const postStateTag = (s: PostState) => (s === 'active' ? 'success' : s === 'upcoming' ? 'warning' : 'info')

/** A member's posts split into those not ended (held, to come, or past the planned end) and the history. */
export function splitPosts(posts: MemberPost[]): { current: MemberPost[]; ended: MemberPost[] } {
  return { current: posts.filter((p) => !p.ended_on), ended: posts.filter((p) => !!p.ended_on) }
}

/** The patch of a post's form: only what changed; a removed planned end is clear_ends_on. */
export function postPatch(
  cur: Pick<MemberPost, 'kind' | 'name' | 'node_id' | 'duties' | 'starts_on' | 'ends_on'>,
  form: { kind: string; name: string; node_id: Id | null; duties: string; starts_on: string; ends_on: string | null },
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (form.kind !== cur.kind) out.kind = form.kind
  const curName = cur.kind === 'other' ? cur.name : ''
  if (form.kind === 'other' && form.name.trim() !== curName) out.name = form.name.trim()
  if (form.node_id != null && String(form.node_id) !== String(cur.node_id)) out.node_id = form.node_id
  if (form.duties.trim() !== cur.duties) out.duties = form.duties
  if (form.starts_on && form.starts_on !== cur.starts_on) out.starts_on = form.starts_on
  const ends = form.ends_on || null
  if (ends !== (cur.ends_on ?? null)) {
    if (ends) out.ends_on = ends
    else out.clear_ends_on = true
  }
  return out
}

/** The body of a member leaving: the day (empty: today, the server's), the reason, a note when given. */
export function leaveBody(form: { on: string; reason: string; note: string }): MemberLeave {
  const body: MemberLeave = { reason: form.reason }
  if (form.on.trim()) body.on = form.on.trim()
  if (form.note.trim()) body.note = form.note.trim()
  return body
}

export const leaveReasonLabel = (t: T, r: string) => lookup(t, 'duty.leave.reasons', LEAVE_REASONS, r)
export const stationKindLabel = (t: T, k: string) => lookup(t, 'duty.stations.kinds', STATION_KINDS, k)

/** One section of a community's posts: the community itself (grid null) or one of its grids. */
export interface PostSection {
  grid: Pick<Node, 'id' | 'name'> | null
  posts: MemberPost[]
}

/**
 * The posts of a community by grid: each grid's posts (those serving the grid or anything in it,
 * as GET /posts?node=<grid> gives them), in the grids' order, and first the posts that serve the
 * community itself (in the community's list and in no grid's).
 */
export function postsByGrid(all: MemberPost[], grids: { grid: Pick<Node, 'id' | 'name'>; posts: MemberPost[] }[]): PostSection[] {
  const inGrid = new Set(grids.flatMap((g) => g.posts.map((p) => String(p.id))))
  const own = all.filter((p) => !inGrid.has(String(p.id)))
  const out: PostSection[] = own.length ? [{ grid: null, posts: own }] : []
  for (const g of grids) out.push({ grid: g.grid, posts: g.posts })
  return out
}

/** "还剩 12 天" / "今天到期" / "已过期 3 天" of a days_left. */
export function daysLeftText(t: T, days: number): string {
  if (days > 0) return t('duty.due.left', { n: days })
  if (days === 0) return t('duty.due.today')
  return t('duty.due.over', { n: -days })
}

export const dueTagType = (days: number) => (days < 0 ? 'danger' : days <= 30 ? 'warning' : 'info')

/** "YYYY-MM-DD" plus n years (29 February rolls to 1 March, as the server's AddDate does). */
export function addYears(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number)
  return new Date(Date.UTC(y + n, m - 1, d)).toISOString().slice(0, 10)
}

/** Whole years from a to b (both "YYYY-MM-DD"), at least 1. */
function yearsBetween(a: string, b: string): number {
  let n = 0
  while (n < 50 && addYears(a, n + 1) <= addYears(b, 0)) n++
  return Math.max(1, n)
}

/**
 * What the renewal form starts with: signed today, running as many whole years as the agreement
 * it renews did, from the later of its end and today; the content left empty (the server keeps
 * the previous content then).
 */
export function renewalDefaults(prev: { signed_on: string; ends_on: string }, today: string) {
  const from = prev.ends_on > today ? prev.ends_on : today
  return { signed_on: today, ends_on: addYears(from, yearsBetween(prev.signed_on, prev.ends_on)), content: '' }
}

/** What the term form starts with: elected today, for the longest term the server allows (five years). */
export const termDefaults = (today: string) => ({ elected_on: today, ends_on: addYears(today, 5) })

/** The current term of a committee (the one no re-election has closed). */
export function currentTerm<X extends { ended_on: string | null }>(terms: X[]): X | undefined {
  return terms.find((x) => !x.ended_on)
}
