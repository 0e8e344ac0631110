// Types of the redgrid JSON API v1 (docs/API.md).

/** Ids are opaque to the UI: the server may use numbers or strings. */
export type Id = number | string

export const NODE_KINDS = ['district', 'street', 'community', 'grid', 'microgrid', 'building'] as const
export type NodeKind = (typeof NODE_KINDS)[number]

export const PARTY_KINDS = [
  'district_committee',
  'street_committee',
  'community_committee',
  'branch',
  'group',
  'lead_household',
] as const
export type PartyKind = (typeof PARTY_KINDS)[number]

export const ORG_KINDS = [
  'department',
  'resident_unit',
  'property_company',
  'owners_committee',
  'social_org',
  'volunteer_team',
  'service_station',
] as const
export type OrgKind = (typeof ORG_KINDS)[number]

export const ROLES = [
  'resident',
  'grid_worker',
  'grid_leader',
  'community_staff',
  'street_operator',
  'department_staff',
  'district_admin',
  'leader',
] as const
export type Role = (typeof ROLES)[number]

export const CHANGE_KINDS = ['create', 'rename', 'move', 'recode', 'validity'] as const

export interface Grant {
  id: Id
  role: Role | string
  node_id: Id | null
  node_name?: string | null
  node_kind?: NodeKind | string | null
  org_id: Id | null
  org_name?: string | null
}

export interface Me {
  id: Id
  username: string
  display_name: string
  roles: Grant[]
}

export interface LoginResponse {
  token: string
  csrf_token: string
  expires_at: string
  user: Me
}

export interface Ancestor {
  id: Id
  kind: string
  name: string
  code?: string
}

export interface Node {
  id: Id
  kind: NodeKind | string
  code: string
  name: string
  parent_id: Id | null
  path: string
  depth: number
  pinyin?: string
  initials?: string
  valid_from: string
  valid_to: string | null
  version: number
  child_count: number
  created_at?: string
  updated_at?: string
  /** present in search results and in GET /nodes/{id} */
  ancestors?: Ancestor[]
}

export interface Staff {
  user_id: Id
  username: string
  display_name: string
  role: Role | string
}

export interface PartyOrg {
  id: Id
  kind: PartyKind | string
  name: string
  parent_id: Id | null
  path: string
  node_id: Id | null
  node_name?: string | null
  temporary: boolean
  ends_on: string | null
  valid_from: string
  valid_to: string | null
  version: number
  child_count: number
  pinyin?: string
  initials?: string
  ancestors?: Ancestor[]
}

export interface OrgNodeRef {
  id: Id
  name: string
  kind: NodeKind | string
}

export interface Org {
  id: Id
  kind: OrgKind | string
  name: string
  credit_code: string | null
  home_node_id: Id | null
  home_node_name?: string | null
  node_ids: Id[]
  nodes?: OrgNodeRef[]
  contact?: string | null
  valid_from?: string
  valid_to?: string | null
  version?: number
}

export interface NodeDetail extends Node {
  ancestors: Ancestor[]
  party_orgs?: PartyOrg[]
  orgs?: Org[]
  staff?: Staff[]
}

export interface PartyOrgDetail extends PartyOrg {
  ancestors: Ancestor[]
}

export interface HistoryItem {
  at: string
  actor: string
  change: string
  old: unknown
  new: unknown
}

export interface User {
  id: Id
  username: string
  display_name: string
  disabled: boolean
  roles: Grant[]
  version?: number
  created_at?: string
}

export interface RoleRequest {
  role: string
  node_id?: Id
  org_id?: Id
}

export interface Items<T> {
  items: T[]
}
