// The dispatch board's order and the time left of a case.
import type { Case, Me } from '../api/types'
import { formatTime } from '../format'

type T = (key: string, named?: Record<string, unknown>) => string

const time = (v: string | null | undefined): number => {
  if (!v) return NaN
  const ms = new Date(v).getTime()
  return Number.isNaN(ms) ? NaN : ms
}

/** Overdue: flagged by the server's deadline job, or past its due time already (the job runs every few seconds). */
export function isOverdue(c: Pick<Case, 'overdue' | 'due_at'>, now: Date = new Date()): boolean {
  if (c.overdue) return true
  const due = time(c.due_at)
  return !Number.isNaN(due) && due < now.getTime()
}

/**
 * The dispatch board's order, most urgent first: overdue cases first (the longest overdue on top),
 * then by the running deadline (soonest first), cases without a running deadline last; ties by id
 * (older first). The input is not changed.
 */
export function sortQueue<C extends Pick<Case, 'id' | 'overdue' | 'due_at'>>(cases: readonly C[], now: Date = new Date()): C[] {
  const key = (c: C) => {
    const due = time(c.due_at)
    return { over: isOverdue(c, now) ? 0 : 1, due: Number.isNaN(due) ? Infinity : due }
  }
  const id = (c: C) => (typeof c.id === 'number' ? c.id : Number(c.id) || 0)
  return cases
    .map((c) => ({ c, k: key(c) }))
    .sort((a, b) => a.k.over - b.k.over || a.k.due - b.k.due || id(a.c) - id(b.c))
    .map((x) => x.c)
}

/** The most cases GET /cases gives in one answer. */
export const MAX_PAGE = 500

type Cursor = Pick<Case, 'id' | 'due_at'>

/**
 * Loads cases page after page in the server's order — each request continues after the last case
 * of the one before (order=due: its id and due_at, GET /cases `after`, `after_due`; order=new:
 * `before` its id; `fetchPage` makes the request from that case) — until `want` are loaded or
 * there are none left, starting after `from` to continue a list. `more` says whether the server
 * has cases beyond them (the last request asks for one more than it needs), `last` is where the
 * next page starts.
 */
export async function fetchPages<K, C extends K>(
  fetchPage: (limit: number, after: K | null) => Promise<C[]>,
  want: number,
  from: K | null = null,
): Promise<{ items: C[]; more: boolean; last: K | null }> {
  const items: C[] = []
  let last = from
  for (;;) {
    const need = Math.max(0, want - items.length)
    const limit = Math.min(MAX_PAGE, need + 1)
    const page = await fetchPage(limit, last)
    const kept = page.slice(0, need)
    items.push(...kept)
    if (kept.length) last = kept[kept.length - 1]
    if (page.length > need) return { items, more: true, last }
    if (page.length < limit) return { items, more: false, last }
  }
}

/** fetchPages in the server's order=due (the dispatch board's). */
export const fetchByDue = <C extends Cursor>(fetchPage: (limit: number, after: Cursor | null) => Promise<C[]>, want: number, from: Cursor | null = null) =>
  fetchPages<Cursor, C>(fetchPage, want, from)

/** A further page added to a list: a case already there (its due time moved) is replaced by the newer copy. */
export function appendPage<C extends Pick<Case, 'id'>>(list: readonly C[], page: readonly C[]): C[] {
  const ids = new Set(page.map((c) => String(c.id)))
  return [...list.filter((c) => !ids.has(String(c.id))), ...page]
}

export interface TimeLeft {
  /** none: no deadline runs; left: before it; overdue: past it */
  kind: 'none' | 'left' | 'overdue'
  /** whole minutes to (or past) the deadline */
  minutes: number
}

/** Minutes to a due time (rounded towards the deadline: 59 s left is 0 minutes left, not 1). */
export function timeLeft(due: string | null | undefined, now: Date = new Date()): TimeLeft {
  const d = time(due)
  if (Number.isNaN(d)) return { kind: 'none', minutes: 0 }
  const diff = d - now.getTime()
  if (diff >= 0) return { kind: 'left', minutes: Math.floor(diff / 60000) }
  return { kind: 'overdue', minutes: Math.ceil(-diff / 60000) }
}

/** 2天3小时 / 3小时5分 / 12分钟 (the two largest units). */
export function formatDuration(t: T, minutes: number): string {
  const m = Math.max(0, Math.round(minutes))
  const days = Math.floor(m / 1440)
  const hours = Math.floor((m % 1440) / 60)
  const mins = m % 60
  if (days > 0) return hours > 0 ? t('time.daysHours', { d: days, h: hours }) : t('time.days', { d: days })
  if (hours > 0) return mins > 0 ? t('time.hoursMinutes', { h: hours, m: mins }) : t('time.hours', { h: hours })
  return t('time.minutes', { m: mins })
}

/** 剩余 1小时20分 / 超期 2天3小时 / 即将到期 (under a minute) / '' when no deadline runs. */
export function formatTimeLeft(t: T, tl: TimeLeft): string {
  if (tl.kind === 'none') return ''
  if (tl.kind === 'overdue') return tl.minutes > 0 ? t('time.overdueBy', { time: formatDuration(t, tl.minutes) }) : t('time.overdue')
  if (tl.minutes < 1) return t('time.dueNow')
  return t('time.left', { time: formatDuration(t, tl.minutes) })
}

/**
 * What a time-left badge says about a case's deadline: the text (time remaining or overdue, never
 * the clock time), its urgency, and the deadline itself for the tooltip (截止 2026年11月24日 10:00).
 * The server's overdue flag wins over this browser's clock: a deadline its job has fired is
 * overdue even if the clocks differ ("超期", no amount).
 */
export function describeDeadline(
  t: T,
  due: string | null | undefined,
  now: Date,
  opts: { overdue?: boolean; locale?: string } = {},
): { text: string; urgency: ReturnType<typeof urgency>; deadline: string } {
  let tl = timeLeft(due, now)
  if (opts.overdue && tl.kind === 'left') tl = { kind: 'overdue', minutes: 0 }
  return {
    text: formatTimeLeft(t, tl),
    urgency: urgency(tl),
    deadline: tl.kind === 'none' ? '' : t('time.due', { time: formatTime(due, opts.locale ?? 'zh-CN', { now }) }),
  }
}

/** How pressing a deadline is, for colours: overdue, due within the hour, or not yet. */
export function urgency(tl: TimeLeft): 'overdue' | 'soon' | 'ok' | 'none' {
  if (tl.kind === 'none') return 'none'
  if (tl.kind === 'overdue') return 'overdue'
  return tl.minutes < 60 ? 'soon' : 'ok'
}

/** A working-time limit as the category states it: 2h → 2 工作时, 5d → 5 个工作日, 30m → 30 工作分钟. */
export function limitText(t: T, limit: string | null | undefined): string {
  const m = /^(\d+)([mhd])$/.exec(limit ?? '')
  if (!m) return limit ?? ''
  const n = Number(m[1])
  if (m[2] === 'd') return t('time.workDays', { n })
  if (m[2] === 'h') return t('time.workHours', { n })
  return t('time.workMinutes', { n })
}

/**
 * The deadline a department's inbox sorts a case by: the earliest running deadline of the user's
 * departments on it (GET /cases?inbox=…&order=due, whose `after_due` it is); null when none runs.
 */
export function inboxDue(me: Pick<Me, 'roles'> | null, c: Pick<Case, 'departments'>): string | null {
  const mine = new Set((me?.roles ?? []).filter((g) => g.role === 'department_staff' && g.org_id != null).map((g) => String(g.org_id)))
  let best: string | null = null
  for (const d of c.departments ?? []) {
    if (!mine.has(String(d.org_id))) continue
    const { due } = departmentDue(d)
    if (due && (best === null || time(due) < time(best))) best = due
  }
  return best
}

/** The deadline that runs for one department on a case: accepting (报到) until it accepts, then handling. */
export function departmentDue(d: { state: string; accept_due: string | null; handle_due: string | null } | undefined): {
  stage: 'accept' | 'handle' | ''
  due: string | null
} {
  if (!d) return { stage: '', due: null }
  if (d.state === 'dispatched') return { stage: 'accept', due: d.accept_due }
  if (d.state === 'accepted') return { stage: 'handle', due: d.handle_due }
  return { stage: '', due: null }
}
