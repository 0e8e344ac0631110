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
  /** where the node is (a building's entrance), WGS-84; in search results and GET /nodes/{id}, when recorded */
  lng?: number
  lat?: number
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

// --- grids on the map (docs/API.md: ui-config, grids.geojson, coverage, locate, import, public grids)

/** GET /ui-config (no login). tile_url '' means no tile layer. */
export interface UiConfig {
  tile_url: string
  tile_attribution: string
  walk_m: number
  households_min: number
  households_max: number
}

export interface NodeRef {
  id: Id
  kind: NodeKind | string
  name: string
  code: string
}

export type Position = number[]
export type PolygonCoords = Position[][]
export interface PolygonGeometry {
  type: 'Polygon'
  coordinates: PolygonCoords
}
export interface MultiPolygonGeometry {
  type: 'MultiPolygon'
  coordinates: PolygonCoords[]
}
export type AreaGeometry = PolygonGeometry | MultiPolygonGeometry

export interface BoundaryProps {
  id: Id
  kind: NodeKind | string
  code: string
  name: string
  parent_code: string
  area_m2: number
}

export interface BoundaryFeature {
  type: 'Feature'
  properties: BoundaryProps
  geometry: AreaGeometry
}

/** GET /grids.geojson (application/geo+json), WGS-84 unless crs= says otherwise. */
export interface BoundaryCollection {
  type: 'FeatureCollection'
  features: BoundaryFeature[]
}

export type FigureKey = 'party_branch' | 'service_circle' | 'households_in_range' | 'boundary'

export interface CoverageFigure {
  key: FigureKey | string
  /** Chinese, from the server */
  label: string
  /** a share in [0, 1] */
  value: number
  numerator: number
  denominator: number
  formula: string
  formula_en: string
  /** the seed district's figure, for comparison */
  seed?: number
}

export interface GridCoverage {
  id: Id
  code: string
  name: string
  has_boundary: boolean
  party_branch: boolean
  households: number
  households_in_range: boolean
  households_served: number
  area_m2: number
}

/** GET /coverage?node= */
export interface Coverage {
  node: NodeRef
  walk_m: number
  households_min: number
  households_max: number
  households: number
  households_placed: number
  figures: CoverageFigure[]
  grids: GridCoverage[]
}

/** GET /locate: 200 */
export interface Located {
  grid: NodeRef
  ancestors: NodeRef[]
  staff: Staff[]
  party_branch: PartyOrg | null
  point: [number, number]
}

/** The `nearest` extension member of /locate's 404. */
export interface NearestGrid {
  id: Id
  code: string
  name: string
  distance_m: number
}

export type CoverageProblemKind = 'overlap' | 'gap' | 'outside'

export interface ImportPlanItem {
  index: number
  action: 'create' | 'update' | string
  node_id?: Id
  kind: string
  code: string
  name: string
  parent_code: string
  area_m2: number
}

export interface ImportFeatureError {
  index: number
  code?: string
  name?: string
  field: string
  rule: string
  message: string
}

export interface ImportCoverageProblem {
  kind: CoverageProblemKind | string
  parent: NodeRef
  codes: string[]
  area_m2: number
  at: [number, number]
  bbox: [number, number, number, number]
}

export interface ImportChecked {
  parent: NodeRef
  children: number
  parent_area_m2: number
  children_area_m2: number
  note?: string
}

/** POST /grids/import: the 200 answer, or the `report` member of a 422. */
export interface ImportReport {
  dry_run: boolean
  valid: boolean
  written: boolean
  replayed?: boolean
  revision?: number
  features: number
  tolerance_m2: number
  plan: ImportPlanItem[]
  errors: ImportFeatureError[]
  problems: ImportCoverageProblem[]
  checked: ImportChecked[]
}

/** GET /public/grids/{code} (no login): what a resident sees after scanning a grid's QR code. */
export interface PublicGrid {
  code: string
  name: string
  ancestors: NodeRef[]
  staff: { display_name: string; role: Role | string }[]
  party_branch?: string
  /** the grid's outline (WGS-84), when drawn: the report form's map */
  boundary?: MultiPolygonGeometry
}

export const IMPORT_CRS = ['wgs84', 'gcj02', 'bd09'] as const
export type ImportCrs = (typeof IMPORT_CRS)[number]

// --- cases (docs/API.md "Cases"; issue 5)

export const CASE_STATES = [
  'reported',
  'registered',
  'dispatched',
  'accepted',
  'suspended',
  'handled',
  'verified',
  'guided',
  'closed',
  'voided',
] as const
export type CaseState = (typeof CASE_STATES)[number]

export const CASE_ACTIONS = [
  'register',
  'void',
  'dispatch',
  'accept',
  'return',
  'feedback',
  'verify_pass',
  'verify_fail',
  'rate',
  'suspend',
  'resume',
  'request_extend',
  'approve_extend',
  'reject_extend',
  'escalate',
  'merge',
  'self_govern',
  'guide',
] as const
export type CaseAction = (typeof CASE_ACTIONS)[number]

/** The stages whose deadline runs (register = 立案派遣, accept = 签收, handle = 处置). */
export const CASE_STAGES = ['register', 'accept', 'handle', 'verify', 'rate'] as const
export type CaseStage = (typeof CASE_STAGES)[number]

export const RATINGS = ['satisfied', 'basically_satisfied', 'dissatisfied'] as const
export type Rating = (typeof RATINGS)[number]

export const CHANNELS = ['patrol', 'qr', 'phone', 'visit', 'open311'] as const

export interface CaseCategory {
  id: Id
  code: string
  name: string
  parent_code?: string
  kind: 'event' | 'component' | string
  matter: 'public' | 'community' | 'private' | string
  register_limit: string
  accept_limit: string
  handle_limit: string
  department_id?: Id | null
  pinyin?: string
  initials?: string
  active: boolean
}

export interface CaseDepartment {
  org_id: Id
  name: string
  role: 'lead' | 'co' | string
  state: 'dispatched' | 'accepted' | 'handled' | 'returned' | string
  dispatched_at: string
  accept_due: string | null
  accepted_at: string | null
  handle_due: string | null
  handled_at: string | null
}

export interface CaseEvent {
  id: Id
  at: string
  actor: string
  actor_id: Id | null
  action: string
  from: string
  to: string
  reason: string
  detail?: Record<string, unknown>
}

export interface Case {
  id: Id
  number: string
  state: CaseState | string
  category: string
  category_name: string
  kind: string
  /** 三事分办: the case's matter (its category's at intake, changed by the dispatching level). */
  matter: string
  category_matter?: string
  /** who took the case on: department (派单), community (交社区自治), guide (引导办理); '' before */
  route?: 'department' | 'community' | 'guide' | ''
  /** the guidance a private matter's resident was given */
  guidance?: string
  grid_id: Id
  grid_code: string
  grid_name: string
  lng: number
  lat: number
  address: string
  description: string
  channel: string
  reporter_name: string
  reporter_phone: string
  masked: boolean
  anonymous: boolean
  departments: CaseDepartment[]
  level: number
  level_name: string
  stage: CaseStage | '' | string
  due_at: string | null
  overdue: boolean
  reopened: number
  reworks: number
  returns: number
  extensions: number
  extend_request?: string
  rating?: Rating | string
  resolved: boolean | null
  merged_into: Id | null
  /** The node whose staff dispatched the case: only they decide on an extension. */
  dispatch_node_id?: Id | null
  photos: string[]
  version: number
  created_at: string
  updated_at: string
  closed_at: string | null
  events?: CaseEvent[]
}

export interface Duplicate {
  id: Id
  number: string
  state: CaseState | string
  distance_m: number
  created_at: string
  summary: string
}

/** POST /cases: the new case and the open cases it may duplicate. */
export interface CaseCreated extends Case {
  duplicates: Duplicate[]
}

export interface NewCase {
  category: string
  lng: number
  lat: number
  crs?: string
  description: string
  address?: string
  channel?: 'patrol' | 'phone' | 'visit'
  reporter_name?: string
  reporter_phone?: string
  anonymous?: boolean
  photos?: string[]
}

export interface PublicNewCase extends Omit<NewCase, 'channel'> {
  follow_token: string
}

export interface CaseActionBody {
  action: CaseAction
  version?: number
  reason?: string
  lead_department_id?: Id
  co_department_ids?: Id[]
  rating?: Rating
  resolved?: boolean
  explanation?: string
  extend?: string
  into?: Id
  photos?: string[]
  matter?: Matter
  guidance?: string
}

export const MATTERS = ['public', 'community', 'private'] as const
export type Matter = (typeof MATTERS)[number]

/** GET /public/cases/{token}: what the resident sees of their case. */
export interface PublicCase {
  number: string
  state: CaseState | string
  category: string
  category_name: string
  grid_name: string
  address: string
  description: string
  rating?: Rating | string
  rateable: boolean
  matter?: string
  guidance?: string
  created_at: string
  closed_at: string | null
  timeline: { at: string; action: string; to: string }[]
  follow_token?: string
  departments: string[]
  photos: string[]
  level: string
  explanation?: string
}

/** POST /photos, POST /public/photos: 201. */
export interface Photo {
  id: string
  format: string
  width: number
  height: number
  bytes: number
  url: string
  thumb_url: string
}

export interface CaseFigure {
  key: string
  label: string
  /** a share in [0, 1] (an average for avg_… keys); null when the denominator is 0 */
  value: number | null
  numerator: number
  denominator: number
  formula: string
  formula_en: string
}

export interface CaseStats {
  node: NodeRef
  from: string
  to: string
  counts: Record<string, number>
  figures: CaseFigure[]
  departments: { org_id: Id; name: string; counts: Record<string, number>; figures: CaseFigure[] }[]
}

export interface CaseFilter {
  state?: string
  stage?: string
  category?: string
  node?: Id
  q?: string
  overdue?: boolean
  level?: number
  order?: 'due' | 'new'
  mine?: boolean
  limit?: number
  /** order=new: the page after this id (older cases) */
  before?: Id
  /** order=due: the page after this case (its id and due_at as the page before gave them) */
  after?: Id
  afterDue?: string | null
  /** a tab of the user's department's inbox; with order=due afterDue is the department's deadline (inboxDue) */
  inbox?: 'accept' | 'handle' | 'done'
}

// --- registers (issue 6): households (住户), residents (居民), spreadsheets
export const OCCUPANCIES = ['owner', 'rented', 'vacant', 'shop'] as const
export type Occupancy = (typeof OCCUPANCIES)[number]
export const RELATIONS = ['head', 'spouse', 'child', 'parent', 'other'] as const
export const CARE_TAGS = ['elderly_alone', 'disabled', 'low_income', 'key_person', 'veteran', 'left_behind'] as const

export interface Household {
  id: Id
  building_id: Id
  building_name: string
  building_code: string
  grid_name: string
  unit: number
  floor: number
  room: string
  occupancy: Occupancy | string
  lead_id: Id | null
  lead_name?: string
  note: string
  version: number
  created_at: string
  updated_at: string
}

export interface Resident {
  id: Id
  household_id: Id
  address: string
  name: string
  initials: string
  gender: string
  birth_date: string
  id_number: string
  phone: string
  masked: boolean
  relation: string
  tags: string[] | null
  note: string
  version: number
}

export interface ResidentUnmasked {
  resident_id: Id
  id_number: string
  phone: string
  unmasking: { id?: Id; at?: string; reason?: string; fields?: string[] }
}

export interface ChartCell {
  floor: number
  unit: number
  households: Household[] | null
}

export interface BuildingChart {
  building: Node
  units: number
  floors: number
  lowest: number
  cells: ChartCell[] | null
}

export interface RegisterInfo {
  name: string
  label: string
  sheet: string
  headers: string[]
  /** the fields an unmasked export shows in full (id_number, phone); empty: nothing to unmask */
  personal?: string[]
}

/** One bad cell (or row, or the file) of an imported sheet. */
export interface SheetProblem {
  sheet?: string
  row?: number
  column?: string
  header?: string
  field?: string
  rule: string
  message: string
}

/** The answer of POST /registers/{register}/import (also the `report` of its 422). */
export interface RegisterReport {
  register: string
  sheet: string
  rows: number
  good_rows: number
  problems: SheetProblem[] | null
  more_problems?: boolean
  written: boolean
  created: number
  updated: number
  unchanged: number
}

// --- party members, staffing, volunteers, co-building, red property (issue 6)
export const MEMBER_STATUSES = ['full', 'probationary'] as const
export const POSTS = ['leader', 'full_time', 'part_time', 'liaison', 'volunteer'] as const
export type Post = (typeof POSTS)[number]
/** The seven colours of 002 (七彩志愿), in the order of the rainbow they are named after. */
export const COLOURS = ['elderly', 'culture', 'welfare', 'youth', 'security', 'law', 'women'] as const
export type Colour = (typeof COLOURS)[number]
export const ORG_MEMBER_ROLES = ['director', 'deputy', 'member'] as const

/** A member's dual registration (双报到) with the community where they live. */
export interface Registration {
  id: Id
  member_id: Id
  member_name: string
  community_id: Id
  community_name: string
  state: 'pending' | 'confirmed' | string
  requested_at: string
  confirmed_on?: string
  due_on?: string
  certificate?: string
  verify_token?: string
  /** the public page the certificate's QR code opens (the member's own page only) */
  verify_url?: string
  overdue: boolean
}

export interface Member {
  id: Id
  name: string
  phone: string
  branch_id: Id
  branch_name: string
  joined_on: string
  status: string
  workplace: string
  in_service: boolean
  sinking: boolean
  residence_id: Id
  residence_name: string
  user_id: Id | null
  version: number
  created_at: string
  registration?: Registration
  /** roster weekdays, 1 Monday … 7 Sunday */
  weekdays: number[] | null
}

export interface NewMember {
  name: string
  phone?: string
  branch_id: Id
  joined_on: string
  status: string
  workplace?: string
  in_service: boolean
  sinking: boolean
  residence_id: Id
}

/** What the certificate's QR code shows to anyone (the name masked). */
export interface Certificate {
  number: string
  member_name: string
  community: string
  confirmed_on: string
  due_on: string
  valid: boolean
}

export interface RosterGap {
  community_id: Id
  community_name: string
  date: string
  weekday: number
}

export interface GridStaff {
  id: Id
  grid_id: Id
  grid_name: string
  microgrid_id: Id | null
  microgrid_name?: string
  post: Post | string
  post_label: string
  name: string
  phone: string
  party_member: boolean
  branch_secretary: boolean
  user_id: Id | null
  since: string
  version: number
  created_at: string
}

export interface NewGridStaff {
  grid_id: Id
  microgrid_id?: Id | null
  post: string
  name: string
  phone?: string
  party_member: boolean
  branch_secretary: boolean
  since?: string
}

export interface StaffingGap {
  grid_id: Id
  grid_name: string
  grid_code: string
  missing: string[] | null
  missing_labels: string[] | null
  microgrids_without_liaison: string[] | null
  one_shoulder: boolean
}

export interface Volunteer {
  id: Id
  number: string
  name: string
  phone: string
  node_id: Id
  node_name: string
  team_id: Id | null
  team_name?: string
  /** the service station or kiosk the volunteer serves at, if any */
  station_id?: Id | null
  station_name?: string
  colours: string[] | null
  registered_on: string
  hours: number
  version: number
  created_at: string
}

export interface NewVolunteer {
  node_id: Id
  name: string
  id_number: string
  phone?: string
  team_id?: Id | null
  colours: string[]
}

export interface Agreement {
  id: Id
  org_id: Id
  org_name: string
  community_id: Id
  community_name: string
  signed_on: string
  ends_on: string
  content: string
}

export interface Links {
  community_id: Id
  leader: string
  unit_id: Id | null
  unit_name: string
  street_cadre: string
  grid_cadres: Record<string, string> | null
}

export interface LinkGap {
  community_id: Id
  community_name: string
  missing: string[] | null
  grids_without_cadre: string[] | null
}

export interface OrgMember {
  id: Id
  org_id: Id
  name: string
  role: string
  party_member: boolean
  community_post: string
  since: string
}

export interface RedPropertyOrg {
  org: Org
  branch_id: Id | null
  branch_name?: string
  members: OrgMember[] | null
  cross_posts: number
  party_share: number
  shortcomings: string[] | null
}

// --- posts and duties (设岗定责), 包保, members leaving, volunteer stations, agreements due for
// renewal, owners' committees' terms (issue 6 items 2, 4, 5, 6)
export const LEAVE_REASONS = ['transferred', 'abroad', 'deceased', 'suspended', 'other'] as const
export type LeaveReason = (typeof LEAVE_REASONS)[number]
export const STATION_KINDS = ['station', 'kiosk'] as const

export interface PostKindInfo {
  kind: string
  label: string
  /** checked by the gaps when no kinds are asked for */
  required: boolean
}

export interface MemberPost {
  id: Id
  member_id: Id
  member_name: string
  kind: string
  kind_label: string
  /** the kind's label, or the name of a post of kind other */
  name: string
  node_id: Id
  node_name: string
  node_kind: string
  duties: string
  starts_on: string
  ends_on: string | null
  ended_on: string | null
  active: boolean
  version: number
}

export interface NewMemberPost {
  kind: string
  name?: string
  node_id: Id
  duties: string
  starts_on?: string
  ends_on?: string | null
}

export interface PostGap {
  node_id: Id
  node_name: string
  node_code: string
  node_kind: string
  missing: string[] | null
  missing_labels: string[] | null
}

export interface Baobao {
  id: Id
  member_id: Id
  member_name: string
  building_id: Id
  building_name: string
  household_id: Id | null
  /** as written on a door: 1号楼, or 1号楼2单元301 */
  target: string
  starts_on: string
  ended_on: string | null
  version: number
}

export interface BaobaoGaps {
  buildings: { id: Id; name: string; code: string }[] | null
  households: { id: Id; building_id: Id; address: string }[] | null
  households_total: number
}

export interface MemberLeave {
  on?: string
  reason: string
  note?: string
}

export interface Station {
  id: Id
  node_id: Id
  node_name: string
  node_kind: string
  name: string
  kind: string
  kind_label: string
  address: string
  hours: string
  contact: string
  teams: { id: Id; name: string }[] | null
  /** the current volunteers attached directly or through a team, each once */
  volunteers: number
  version: number
}

export interface NewStation {
  node_id: Id
  name: string
  kind: string
  address?: string
  hours?: string
  contact?: string
}

export interface StationGap {
  community_id: Id
  community_name: string
  community_code: string
}

export interface DueAgreement extends Agreement {
  renews_id?: Id | null
  renewed_by_id?: Id | null
  /** days from today to ends_on; negative once it has ended */
  days_left: number
  ended: boolean
}

export interface CommitteeTerm {
  id: Id
  org_id: Id
  org_name: string
  elected_on: string
  ends_on: string
  ended_on: string | null
  members?: (OrgMember & { term_id?: Id | null; ended_on?: string | null })[] | null
  version: number
}

export interface TermDue extends CommitteeTerm {
  days_left: number
  ended: boolean
}

/** A member who left (POST /members/{id}/leave) shows when and why. */
export interface Member {
  left_on?: string
  left_reason?: string
  left_note?: string
}

// --- notifications, joint meetings (issue 5)
export type NotificationKind = 'dispatch' | 'remind' | 'overdue' | 'escalate' | 'agreement_renewal'

/** An in-app notice (GET /notifications): `read` is the caller's own mark. */
export interface AppNotification {
  id: Id
  node_id: Id | null
  org_id: Id | null
  case_id: Id | null
  kind: NotificationKind | string
  text: string
  created_at: string
  read: boolean
}

export interface NotificationList {
  items: AppNotification[]
  /** unread notices, counted up to 100 */
  unread: number
}

/** A case waiting on the agenda of a level's next joint meeting (GET /agenda?node=). */
export interface AgendaItem {
  case_id: Id
  number: string
  level: number
  level_name: string
  reason: string
  added_at: string
  state: CaseState | string
  category_name: string
  grid_name: string
}

export interface MeetingItem {
  case_id: Id
  number: string
  reason: string
  decision: string
}

/** A recorded joint meeting (党建联席会议). */
export interface Meeting {
  id: Id
  node_id: Id
  node_name: string
  level: number
  level_name: string
  held_on: string
  title: string
  attendees: string[]
  minutes: string
  items: MeetingItem[]
  created_by: string
  created_at: string
}

export interface NewMeeting {
  node_id: Id
  held_on: string
  title: string
  attendees: string[]
  minutes: string
  decisions: { case_id: Id; decision: string }[]
}
