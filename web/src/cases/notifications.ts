// In-app notifications (issue 5 item 3): the bell in the header of both layouts. Pure logic here;
// the component is components/NotificationBell.vue.
import type { AppNotification, Id } from '../api/types'

/** How often the bell asks the server again (no websocket: a notice is a minute late at most). */
export const NOTIFICATION_POLL_MS = 60_000

/** The kinds the UI has a label for; another kind shows the server's text alone. */
export const NOTIFICATION_KINDS = ['dispatch', 'remind', 'overdue', 'escalate', 'agreement_renewal'] as const

/** The badge on the bell: nothing at 0, 99+ beyond 99 (the server counts up to 100). */
export function unreadBadge(n: number): string {
  if (!n || n < 0) return ''
  return n > 99 ? '99+' : String(n)
}

/** Where a notice leads: its case (the phone page of it in the phone layout), the renewals of
 * co-building agreements for a renewal notice, nowhere otherwise. */
export function notificationLink(n: Pick<AppNotification, 'case_id' | 'kind'>, mobile = false): string | null {
  if (n.case_id != null) return mobile ? `/m/cases/${encodeURIComponent(String(n.case_id))}` : `/cases/${encodeURIComponent(String(n.case_id))}`
  if (n.kind === 'agreement_renewal') return mobile ? null : '/cobuild'
  return null
}

/** The newest notice's id (the list is newest first; ids are compared as numbers): what
 * 全部已读 sends as up_to, so a notice that arrives meanwhile stays unread. */
export function newestId(items: readonly Pick<AppNotification, 'id'>[]): Id | null {
  let best: Id | null = null
  for (const n of items) if (best == null || Number(n.id) > Number(best)) best = n.id
  return best
}

/** The list after marking ids read (or everything up to upTo) on the page, before the server answers. */
export function markedRead<T extends Pick<AppNotification, 'id' | 'read'>>(items: readonly T[], ids: readonly Id[], upTo?: Id | null): T[] {
  const set = new Set(ids.map(String))
  return items.map((n) => (n.read || set.has(String(n.id)) || (upTo != null && Number(n.id) <= Number(upTo)) ? { ...n, read: true } : n))
}
