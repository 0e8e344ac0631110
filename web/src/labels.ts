// Labels for the API's enumerations, looked up through vue-i18n.
import { NODE_KINDS, ORG_KINDS, PARTY_KINDS, ROLES, CHANGE_KINDS } from './api/types'

type T = (key: string, named?: Record<string, unknown>) => string

function lookup(t: T, group: string, known: readonly string[], value: string | null | undefined): string {
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
