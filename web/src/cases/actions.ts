// Which actions a user may take on a case now: the role table (caseRoles in case.go) and the
// states each action starts from (caseFrom), plus the department rules of the store (a lead
// department acts on the case, a co-handler on its own row). The server has the last word: a
// button shown here may still get a 403 (scope) or 409 (someone acted first), which the page shows.
import type { Case, CaseAction, CaseState, Matter, Me } from '../api/types'

type Role = string

const DISPATCHERS: Role[] = ['community_staff', 'street_operator', 'district_admin']

/** caseRoles of case.go. */
export const CASE_ROLES: Record<CaseAction, Role[]> = {
  register: DISPATCHERS,
  void: DISPATCHERS,
  dispatch: DISPATCHERS,
  approve_extend: DISPATCHERS,
  reject_extend: DISPATCHERS,
  escalate: ['grid_leader', ...DISPATCHERS],
  merge: DISPATCHERS,
  self_govern: DISPATCHERS,
  guide: DISPATCHERS,
  resume: [...DISPATCHERS, 'department_staff'],
  accept: ['department_staff'],
  return: ['department_staff'],
  feedback: ['department_staff'],
  request_extend: ['department_staff'],
  suspend: ['department_staff', 'street_operator', 'district_admin'],
  verify_pass: ['grid_worker', 'grid_leader', 'community_staff'],
  verify_fail: ['grid_worker', 'grid_leader', 'community_staff'],
  rate: ['resident', 'community_staff', 'street_operator'],
}

/** caseFrom of case.go. */
export const CASE_FROM: Record<CaseAction, CaseState[]> = {
  register: ['reported'],
  void: ['reported', 'registered'],
  dispatch: ['registered'],
  accept: ['dispatched'],
  return: ['dispatched'],
  feedback: ['accepted'],
  verify_pass: ['handled'],
  verify_fail: ['handled'],
  rate: ['verified', 'guided'],
  suspend: ['accepted'],
  resume: ['suspended'],
  request_extend: ['accepted'],
  approve_extend: ['accepted'],
  reject_extend: ['accepted'],
  escalate: ['registered', 'dispatched', 'accepted', 'suspended', 'handled'],
  merge: ['reported', 'registered'],
  self_govern: ['registered'],
  guide: ['registered'],
}

/** 三事分办 (RouteMatter of case.go): the action that routes each matter. */
export const ROUTE_ACTION: Record<Matter, CaseAction> = { public: 'dispatch', community: 'self_govern', private: 'guide' }
export const ROUTE_ACTIONS: CaseAction[] = ['dispatch', 'self_govern', 'guide']
export const routeMatter = (a: CaseAction | null | undefined): Matter | undefined =>
  (Object.keys(ROUTE_ACTION) as Matter[]).find((m) => ROUTE_ACTION[m] === a)

/**
 * RoleMayActOn of case.go: on a case its community handles itself (route community) the
 * handler's steps are the community staff's, its extension is decided by the street or the
 * district, and departments have no step.
 */
export function roleMayActOn(role: Role, a: CaseAction, c: Pick<Case, 'route'>): boolean {
  if (c.route !== 'community') return CASE_ROLES[a].includes(role)
  switch (a) {
    case 'feedback':
    case 'request_extend':
      return role === 'community_staff'
    case 'suspend':
    case 'resume':
      return DISPATCHERS.includes(role)
    case 'approve_extend':
    case 'reject_extend':
      return role === 'street_operator' || role === 'district_admin'
    case 'accept':
    case 'return':
      return false
  }
  return CASE_ROLES[a].includes(role)
}

/** The order buttons appear in: the step forward first, side paths after. */
export const ACTION_ORDER: CaseAction[] = [
  'register',
  'dispatch',
  'self_govern',
  'guide',
  'accept',
  'feedback',
  'verify_pass',
  'verify_fail',
  'rate',
  'approve_extend',
  'reject_extend',
  'request_extend',
  'return',
  'suspend',
  'resume',
  'escalate',
  'merge',
  'void',
]

/** Actions that need a reason (CaseActionIn.Validate). */
export const NEEDS_REASON: CaseAction[] = ['void', 'return', 'verify_fail', 'request_extend', 'reject_extend', 'escalate', 'suspend']

const TOP_LEVEL = 3

/** Whether the case's own state (and its pending extension, its level) allows the action. */
export function stateAllows(c: Pick<Case, 'state' | 'extend_request' | 'level'> & Partial<Pick<Case, 'matter'>>, a: CaseAction): boolean {
  if (!(CASE_FROM[a] as string[]).includes(c.state)) return false
  // the routing offered follows the matter; its dialog may change the matter (and so the action)
  const m = routeMatter(a)
  if (m && c.matter && c.matter in ROUTE_ACTION && c.matter !== m) return false
  const ext = !!c.extend_request
  switch (a) {
    case 'request_extend':
    case 'feedback':
      return !ext
    case 'approve_extend':
    case 'reject_extend':
      return ext
    case 'escalate':
      return c.level < TOP_LEVEL
  }
  return true
}

/** A co-handling department's own steps: accept, return (before accepting), feed back (after). */
function coAllows(deptState: string, a: CaseAction): boolean {
  switch (a) {
    case 'accept':
    case 'return':
      return deptState === 'dispatched'
    case 'feedback':
      return deptState === 'accepted'
  }
  return false
}

/**
 * The actions `me` may take on the case now, in button order. Node roles are taken to cover the
 * case (the case was readable through them), except that a role held at a grid covers that grid
 * only; department staff act only for a department on the case.
 */
export function availableActions(me: Me | null, c: Case): CaseAction[] {
  if (!me || c.state === 'closed' || c.state === 'voided') return []
  const out = new Set<CaseAction>()
  for (const g of me.roles ?? []) {
    for (const a of ACTION_ORDER) {
      if (!roleMayActOn(g.role, a, c)) continue
      if (g.role === 'department_staff') {
        const d = (c.departments ?? []).find((x) => g.org_id != null && String(x.org_id) === String(g.org_id))
        if (!d || d.state === 'returned') continue
        if (d.role === 'co') {
          if ((CASE_FROM[a] as string[]).includes(c.state) && coAllows(d.state, a)) out.add(a)
          continue
        }
      } else if (g.role === 'resident') {
        continue // a resident rates through the follow link of the QR page
      } else if (g.node_id == null) {
        continue
      } else if (g.node_kind === 'grid' && String(g.node_id) !== String(c.grid_id)) {
        continue // a grid role covers its own grid only (a grid worker reads the cases they reported elsewhere)
      }
      if ((a === 'approve_extend' || a === 'reject_extend') && c.dispatch_node_id != null && String(g.node_id) !== String(c.dispatch_node_id)) {
        continue // an extension is decided by the level that dispatched the case, at that node only
      }
      if (stateAllows(c, a)) out.add(a)
    }
  }
  return ACTION_ORDER.filter((a) => out.has(a))
}

/** The department of the user on the case (department staff), if any. */
export function myDepartment(me: Me | null, c: Pick<Case, 'departments'>) {
  for (const g of me?.roles ?? []) {
    if (g.role !== 'department_staff' || g.org_id == null) continue
    const d = (c.departments ?? []).find((x) => String(x.org_id) === String(g.org_id))
    if (d) return d
  }
  return undefined
}

export const hasAnyRole = (me: Me | null, roles: string[]) => !!me?.roles?.some((g) => roles.includes(g.role))
export const isDispatcher = (me: Me | null) => hasAnyRole(me, DISPATCHERS)
export const isDepartment = (me: Me | null) => hasAnyRole(me, ['department_staff'])
export const isGridWorker = (me: Me | null) => hasAnyRole(me, ['grid_worker', 'grid_leader'])

/**
 * A 409 because the page acted on an old version of the case (someone else acted first): the
 * page should say so and reload, not just show the conflict. The server's detail names versions.
 */
export function isStaleVersion(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false
  const x = e as { status?: number; problem?: { detail?: string } }
  return x.status === 409 && /changed since version/.test(x.problem?.detail ?? '')
}

/** Extra working time for an extension request: "5d", "4h" (what ParseLimit reads). */
export function extendValue(n: number, unit: 'd' | 'h'): string {
  const v = Math.floor(n)
  if (!(v >= 1 && v <= (unit === 'd' ? 365 : 8760))) return ''
  return `${v}${unit}`
}
