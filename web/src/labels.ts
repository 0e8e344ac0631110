// Labels for the API's enumerations, looked up through vue-i18n.
import {
  CASE_ACTIONS,
  CASE_STAGES,
  CASE_STATES,
  CHANGE_KINDS,
  CHANNELS,
  NODE_KINDS,
  ORG_KINDS,
  PARTY_KINDS,
  RATINGS,
  ROLES,
} from './api/types'

type T = (key: string, named?: Record<string, unknown>) => string

/** The label of a known value (`group.value`); an unknown value shows as it is. */
export function lookup(t: T, group: string, known: readonly string[], value: string | null | undefined): string {
  if (!value) return ''
  return known.includes(value) ? t(`${group}.${value}`) : value
}

export const nodeKindLabel = (t: T, k: string | null | undefined) => lookup(t, 'kinds.node', NODE_KINDS, k)
export const partyKindLabel = (t: T, k: string | null | undefined) => lookup(t, 'kinds.party', PARTY_KINDS, k)
export const orgKindLabel = (t: T, k: string | null | undefined) => lookup(t, 'kinds.org', ORG_KINDS, k)
export const roleLabel = (t: T, r: string | null | undefined) => lookup(t, 'roles', ROLES, r)
export const changeLabel = (t: T, c: string | null | undefined) => lookup(t, 'changes', CHANGE_KINDS, c)

/** Any kind from either tree (ancestor lists carry only the kind string). */
export function anyKindLabel(t: T, k: string | null | undefined): string {
  if (!k) return ''
  if ((NODE_KINDS as readonly string[]).includes(k)) return nodeKindLabel(t, k)
  if ((PARTY_KINDS as readonly string[]).includes(k)) return partyKindLabel(t, k)
  if ((ORG_KINDS as readonly string[]).includes(k)) return orgKindLabel(t, k)
  return k
}

/** Which kinds may be created under a parent (docs/API.md parent rules). */
export const NODE_CHILD_KINDS: Record<string, string[]> = {
  district: ['street'],
  street: ['community'],
  community: ['grid'],
  grid: ['microgrid', 'building'],
  microgrid: ['building'],
  building: [],
}

export const PARTY_CHILD_KINDS: Record<string, string[]> = {
  district_committee: ['street_committee'],
  street_committee: ['community_committee'],
  community_committee: ['branch'],
  branch: ['group', 'lead_household'],
  group: ['lead_household'],
  lead_household: [],
}

/** Tag colour per node kind, for el-tag type. */
export function kindTagType(k: string): 'primary' | 'success' | 'warning' | 'danger' | 'info' {
  switch (k) {
    case 'district':
    case 'district_committee':
      return 'danger'
    case 'street':
    case 'street_committee':
      return 'warning'
    case 'community':
    case 'community_committee':
      return 'primary'
    case 'grid':
    case 'branch':
      return 'success'
    default:
      return 'info'
  }
}

// --- cases
const CASE_EXTRA_ACTIONS = ['report'] as const
export const caseStateLabel = (t: T, s: string | null | undefined) => lookup(t, 'cases.states', CASE_STATES, s)
export const caseActionLabel = (t: T, a: string | null | undefined) =>
  lookup(t, 'cases.actions', [...CASE_ACTIONS, ...CASE_EXTRA_ACTIONS], a)
export const stageLabel = (t: T, s: string | null | undefined) => lookup(t, 'cases.stages', CASE_STAGES, s)
export const ratingLabel = (t: T, r: string | null | undefined) => lookup(t, 'cases.ratings', RATINGS, r)
export const channelLabel = (t: T, c: string | null | undefined) => lookup(t, 'cases.channels', CHANNELS, c)
export const matterLabel = (t: T, m: string | null | undefined) =>
  lookup(t, 'cases.matters', ['public', 'community', 'private'], m)
export const deptRoleLabel = (t: T, r: string | null | undefined) => lookup(t, 'cases.deptRoles', ['lead', 'co'], r)
export const deptStateLabel = (t: T, s: string | null | undefined) =>
  lookup(t, 'cases.deptStates', ['dispatched', 'accepted', 'handled', 'returned'], s)
/** The rung of the escalation ladder (0 grid … 3 city). */
export const levelLabel = (t: T, level: number | null | undefined) =>
  level != null && level >= 0 && level <= 3 ? t(`cases.levels.l${level}`) : ''

/** Tag colour of a case state (and red for overdue, whatever the state). */
export function caseStateTagType(state: string, overdue = false): 'primary' | 'success' | 'warning' | 'danger' | 'info' {
  if (overdue) return 'danger'
  switch (state) {
    case 'reported':
    case 'registered':
      return 'warning'
    case 'dispatched':
    case 'accepted':
    case 'handled':
    case 'verified':
      return 'primary'
    case 'suspended':
      return 'info'
    case 'closed':
      return 'success'
    default:
      return 'info'
  }
}

/** Marker colours on the case maps, by state; overdue cases are red. */
export const CASE_COLOURS: Record<string, string> = {
  overdue: '#d0021b',
  reported: '#e6a23c',
  registered: '#e6a23c',
  dispatched: '#2f6fbf',
  accepted: '#2f6fbf',
  handled: '#8e44ad',
  verified: '#8e44ad',
  suspended: '#909399',
  closed: '#3aa55b',
  voided: '#c0c4cc',
}
export const caseColour = (state: string, overdue: boolean) => (overdue ? CASE_COLOURS.overdue : CASE_COLOURS[state] ?? '#606266')
