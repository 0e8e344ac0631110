// Joint meetings (党建联席会议, issue 5 item 4): whose agenda a user sees and the record of a meeting.
import type { AgendaItem, Id, Me, NewMeeting } from '../api/types'

/** Where each rung of the ladder meets: a community's, a street's meeting, and the 市级 list kept at the district. */
export const MEETING_KINDS: Record<string, number> = { community: 1, street: 2, district: 3 }

export interface MeetingNode {
  id: Id
  name: string
  kind: string
  level: number
}

/** The nodes whose joint meetings the user's roles are at (a community's staff: the community's;
 * a street operator: the street's; a district admin or leader: the district's list), once each. */
export function meetingNodes(me: Me | null): MeetingNode[] {
  const out: MeetingNode[] = []
  for (const g of me?.roles ?? []) {
    if (g.node_id == null || !g.node_kind || !(g.node_kind in MEETING_KINDS)) continue
    if (out.some((n) => String(n.id) === String(g.node_id))) continue
    out.push({ id: g.node_id, name: g.node_name ?? '', kind: g.node_kind, level: MEETING_KINDS[g.node_kind] })
  }
  return out.sort((a, b) => a.level - b.level)
}

/** The names of who attended: one a line, or separated by 、，, ; (empty parts dropped). */
export function splitAttendees(text: string): string[] {
  return text
    .split(/[\n\r、，,;；]+/)
    .map((s) => s.trim())
    .filter(Boolean)
}

export interface MeetingForm {
  held_on: string
  title: string
  attendees: string
  minutes: string
  /** case id → the decision typed for it; a case without one stays on the agenda */
  decisions: Record<string, string>
}

/** The body of POST /meetings: the decisions in the agenda's order, only the cases decided on. */
export function meetingBody(node: Id, f: MeetingForm, agenda: readonly Pick<AgendaItem, 'case_id'>[]): NewMeeting {
  const decisions: NewMeeting['decisions'] = []
  for (const a of agenda) {
    const d = (f.decisions[String(a.case_id)] ?? '').trim()
    if (d) decisions.push({ case_id: a.case_id, decision: d })
  }
  return { node_id: node, held_on: f.held_on, title: f.title.trim(), attendees: splitAttendees(f.attendees), minutes: f.minutes.trim(), decisions }
}

/** The field of a refused record that names a decision (decisions[2].case_id) → the agenda case it is about. */
export function decisionCase(field: string, body: Pick<NewMeeting, 'decisions'>): Id | null {
  const m = /^decisions\[(\d+)\]/.exec(field)
  if (!m) return null
  return body.decisions[Number(m[1])]?.case_id ?? null
}
