import { ApiClient, ApiError, buildUrl, newIdempotencyKey, parseProblem } from './client'
import type {
  BoundaryCollection,
  Coverage,
  Grant,
  HistoryItem,
  Id,
  ImportCrs,
  ImportReport,
  Items,
  Located,
  LoginResponse,
  Me,
  Node,
  NodeDetail,
  Org,
  PartyOrg,
  PartyOrgDetail,
  PublicGrid,
  RoleRequest,
  UiConfig,
  User,
} from './types'

export * from './client'
export * from './types'

/** The one client the app uses; main.ts sets onUnauthorized. */
export const api = new ApiClient()

const p = (id: Id) => encodeURIComponent(String(id))

export async function login(username: string, password: string): Promise<LoginResponse> {
  const r = await api.post<LoginResponse>('/auth/login', { username, password }, { noAuthRedirect: true })
  api.csrfToken = r.csrf_token ?? null
  return r
}

export async function logout(): Promise<void> {
  try {
    await api.post('/auth/logout', undefined, { noAuthRedirect: true })
  } finally {
    api.csrfToken = null
  }
}

export const getMe = (opts = { noAuthRedirect: true }) => api.get<Me>('/me', undefined, opts)

// --- administrative nodes
export const listRootNodes = () => api.get<Items<Node>>('/nodes').then((r) => r.items ?? [])
export const listChildNodes = (parent: Id) =>
  api.get<Items<Node>>('/nodes', { parent: String(parent) }).then((r) => r.items ?? [])
export const searchNodes = (q: string, extra: { within?: Id; kind?: string } = {}) =>
  api
    .get<Items<Node>>('/nodes', { q, within: extra.within as string | undefined, kind: extra.kind })
    .then((r) => r.items ?? [])
export async function getNode(id: Id): Promise<{ node: NodeDetail; etag: string | null }> {
  const r = await api.request<NodeDetail>('GET', `/nodes/${p(id)}`)
  return { node: r.data, etag: r.etag }
}
export const getNodeHistory = (id: Id) =>
  api.get<Items<HistoryItem>>(`/nodes/${p(id)}/history`).then((r) => r.items ?? [])
export const createNode = (body: { kind: string; name: string; parent_id: Id; code?: string; valid_from?: string }) =>
  api.post<Node>('/nodes', body, { headers: { 'Idempotency-Key': newIdempotencyKey() } })
export const patchNode = (id: Id, body: Record<string, unknown>, version?: number | string) =>
  api.patch<Node>(`/nodes/${p(id)}`, body, { ifMatch: version })

// --- party organisations
export const listRootPartyOrgs = () => api.get<Items<PartyOrg>>('/party-orgs').then((r) => r.items ?? [])
export const listChildPartyOrgs = (parent: Id) =>
  api.get<Items<PartyOrg>>('/party-orgs', { parent: String(parent) }).then((r) => r.items ?? [])
export const listPartyOrgsOfNode = (node: Id) =>
  api.get<Items<PartyOrg>>('/party-orgs', { node: String(node) }).then((r) => r.items ?? [])
export const searchPartyOrgs = (q: string) =>
  api.get<Items<PartyOrg>>('/party-orgs', { q }).then((r) => r.items ?? [])
export async function getPartyOrg(id: Id): Promise<{ org: PartyOrgDetail; etag: string | null }> {
  const r = await api.request<PartyOrgDetail>('GET', `/party-orgs/${p(id)}`)
  return { org: r.data, etag: r.etag }
}
export const getPartyOrgHistory = (id: Id) =>
  api.get<Items<HistoryItem>>(`/party-orgs/${p(id)}/history`).then((r) => r.items ?? [])
export const createPartyOrg = (body: Record<string, unknown>) =>
  api.post<PartyOrg>('/party-orgs', body, { headers: { 'Idempotency-Key': newIdempotencyKey() } })
export const patchPartyOrg = (id: Id, body: Record<string, unknown>, version?: number | string) =>
  api.patch<PartyOrg>(`/party-orgs/${p(id)}`, body, { ifMatch: version })

// --- organisations
export const listOrgs = (f: { kind?: string; node?: Id; q?: string } = {}) =>
  api
    .get<Items<Org>>('/orgs', { kind: f.kind, node: f.node as string | undefined, q: f.q })
    .then((r) => r.items ?? [])
export const getOrg = (id: Id) => api.get<Org>(`/orgs/${p(id)}`)

// --- users
export const listUsers = (q?: string) => api.get<Items<User>>('/users', { q }).then((r) => r.items ?? [])
export const getUser = (id: Id) => api.get<User>(`/users/${p(id)}`)
export const createUser = (body: { username: string; display_name: string; password: string; roles: RoleRequest[] }) =>
  api.post<User>('/users', body)
export const patchUser = (
  id: Id,
  body: { display_name?: string; password?: string; disabled?: boolean },
  version?: number,
) => api.patch<User>(`/users/${p(id)}`, body, { ifMatch: version })
export const grantRole = (id: Id, body: RoleRequest) => api.post<Grant>(`/users/${p(id)}/roles`, body)
export const revokeRole = (id: Id, grantId: Id) => api.del(`/users/${p(id)}/roles/${p(grantId)}`)

// --- grids on the map
let uiConfig: Promise<UiConfig> | null = null
/** GET /ui-config, asked once per page load (no login needed); a failure is not cached. */
export function getUiConfig(): Promise<UiConfig> {
  if (!uiConfig) {
    uiConfig = api.get<UiConfig>('/ui-config', undefined, { noAuthRedirect: true }).catch((e) => {
      uiConfig = null
      throw e
    })
  }
  return uiConfig
}

export type BoundaryKind = 'grid' | 'community' | 'street' | 'district'
/** Boundaries of one kind under a node (or in the caller's whole scope without `within`), WGS-84. */
export const getBoundaries = (kind: BoundaryKind, within?: Id | null) =>
  api
    .get<BoundaryCollection>(
      '/grids.geojson',
      { kind, within: within == null ? undefined : String(within) },
      { headers: { Accept: 'application/geo+json, application/problem+json' } },
    )
    .then((r) => ({ type: 'FeatureCollection' as const, features: r?.features ?? [] }))
export const getCoverage = (node: Id) => api.get<Coverage>('/coverage', { node: String(node) })
/** Which grid a WGS-84 point is in; 404 (ApiError, `nearest` in problem.extensions) when in none. */
export const locatePoint = (lng: number, lat: number) =>
  api.get<Located>('/locate', { lng: lng.toFixed(7), lat: lat.toFixed(7), crs: 'wgs84' })

/** The Content-Type the import wants for a file: a zipped Shapefile or GeoJSON. */
export function importContentType(fileName: string): string {
  return /\.zip$/i.test(fileName) ? 'application/zip' : 'application/geo+json'
}

/** POST /grids/import: a dry run only checks; a real import of an invalid file is a 422 with `report`. */
export function importBoundaries(
  file: Blob,
  opts: { fileName: string; dryRun: boolean; crs?: ImportCrs | '' },
): Promise<ImportReport> {
  const headers: Record<string, string> = {}
  if (!opts.dryRun) headers['Idempotency-Key'] = newIdempotencyKey()
  return api.post<ImportReport>('/grids/import', undefined, {
    query: { dry_run: opts.dryRun ? 'true' : 'false', crs: opts.crs || undefined, source: opts.fileName.slice(0, 200) },
    raw: { body: file, type: importContentType(opts.fileName) },
    headers,
  })
}

/** The SVG QR code of a grid (an <img> source; the session cookie goes with it). */
export const gridQrUrl = (id: Id) => `/api/v1/nodes/${p(id)}/qr.svg`
/** A printable page of the QR codes of every grid under a node. */
export const qrSheetUrl = (id: Id) => `/api/v1/nodes/${p(id)}/qr-sheet`

/** GET /public/grids/{code}: no login; a 401 here must not send anyone to the login page. */
export const getPublicGrid = (code: string) =>
  api.get<PublicGrid>(`/public/grids/${encodeURIComponent(code)}`, undefined, { noAuthRedirect: true })

// --- cases (issue 5)
import type {
  Case,
  CaseActionBody,
  CaseCategory,
  CaseCreated,
  CaseFilter,
  CaseStats,
  Duplicate,
  NewCase,
  Photo,
  PublicCase,
  PublicNewCase,
  Rating,
} from './types'

export const listCaseCategories = () =>
  api.get<Items<CaseCategory>>('/case-categories').then((r) => r.items ?? [])
/** The active categories a resident may choose from (no login). */
export const listPublicCaseCategories = () =>
  api.get<Items<CaseCategory>>('/public/case-categories', undefined, { noAuthRedirect: true }).then((r) => r.items ?? [])

export function listCases(f: CaseFilter = {}): Promise<Case[]> {
  return api
    .get<Items<Case>>('/cases', {
      state: f.state,
      stage: f.stage,
      category: f.category,
      node: f.node as string | undefined,
      q: f.q,
      overdue: f.overdue ? 'true' : undefined,
      level: f.level,
      order: f.order,
      mine: f.mine ? 'true' : undefined,
      limit: f.limit,
      before: f.before as string | undefined,
      after: f.after as string | undefined,
      after_due: f.after != null ? (f.afterDue ?? undefined) : undefined,
      inbox: f.inbox,
    })
    .then((r) => r.items ?? [])
}
export const getCase = (id: Id) => api.get<Case>(`/cases/${p(id)}`)
/** One action on a case; `version` makes it conditional (a stale page gets 409). */
export const actOnCase = (id: Id, body: CaseActionBody) =>
  api.post<Case>(`/cases/${p(id)}/actions`, body, { headers: { 'Idempotency-Key': newIdempotencyKey() } })
export const caseDuplicates = (id: Id) =>
  api.get<Items<Duplicate>>(`/cases/${p(id)}/duplicates`).then((r) => r.items ?? [])
/** A case reported by staff or a grid worker; the key makes a retried tap create one case. */
export const createCase = (body: NewCase, idempotencyKey: string) =>
  api.post<CaseCreated>('/cases', body, { headers: { 'Idempotency-Key': idempotencyKey } })
/** The departments serving a node (directly or through an ancestor): whom a case there may go to. */
export const listDepartmentsServing = (node: Id) => listOrgs({ kind: 'department', node })
export const getCaseStats = (node: Id, from?: string, to?: string) =>
  api.get<CaseStats>('/stats/cases', { node: String(node), from, to })

// the resident's pages (no login)
/** A resident's report; the page's follow token makes a retry return the same case. */
export const publicCreateCase = (body: PublicNewCase, idempotencyKey: string) =>
  api.post<PublicCase>('/public/cases', body, { noAuthRedirect: true, headers: { 'Idempotency-Key': idempotencyKey } })
export const getPublicCase = (token: string) =>
  api.get<PublicCase>(`/public/cases/${encodeURIComponent(token)}`, undefined, { noAuthRedirect: true })
export const ratePublicCase = (token: string, body: { rating: Rating; resolved?: boolean; comment?: string }) =>
  api.post<PublicCase>(`/public/cases/${encodeURIComponent(token)}/rating`, body, { noAuthRedirect: true })

// photos (JPEG, PNG, WebP; EXIF stripped by the server)
/** Uploads one photo (multipart field `file`); logged in, or `public` from the resident's page. */
export function uploadPhoto(file: Blob, fileName: string, opts: { public?: boolean } = {}): Promise<Photo> {
  const form = new FormData()
  form.append('file', file, fileName)
  return api.post<Photo>(opts.public ? '/public/photos' : '/photos', undefined, {
    form,
    noAuthRedirect: !!opts.public,
  })
}
export const photoUrl = (id: string) => `/api/v1/photos/${encodeURIComponent(id)}`
export const photoThumbUrl = (id: string) => `/api/v1/photos/${encodeURIComponent(id)}/thumb`
export const publicPhotoUrl = (token: string, id: string) =>
  `/api/v1/public/cases/${encodeURIComponent(token)}/photos/${encodeURIComponent(id)}`
export const publicPhotoThumbUrl = (token: string, id: string) => `${publicPhotoUrl(token, id)}/thumb`

// --- registers (issue 6)
import type { BuildingChart, Household, RegisterInfo, RegisterReport, Resident, ResidentUnmasked } from './types'

export const listHouseholds = (node: Id, f: { q?: string; after?: Id } = {}) =>
  api
    .get<Items<Household>>('/households', { node: String(node), q: f.q, after: f.after as string | undefined })
    .then((r) => r.items ?? [])
export const listResidents = (node: Id, q?: string) =>
  api.get<Items<Resident>>('/residents', { node: String(node), q }).then((r) => r.items ?? [])
/** The ID number and phone in full; the server logs who, when, which fields and why first. */
export const unmaskResident = (id: Id, reason: string) =>
  api.post<ResidentUnmasked>(`/residents/${p(id)}/unmask`, { reason })
export const getBuildingChart = (id: Id) => api.get<BuildingChart>(`/buildings/${p(id)}/chart`)
export const listRegisters = () => api.get<Items<RegisterInfo>>('/registers').then((r) => r.items ?? [])

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/**
 * POST /registers/{register}/import: the .xlsx as the body. A dry run only checks; a file with bad
 * rows (and no goodRowsOnly) is a 422 whose `report` member is the report.
 */
export function importRegister(
  register: string,
  node: Id,
  file: Blob,
  opts: { dryRun: boolean; goodRowsOnly?: boolean },
): Promise<RegisterReport> {
  return api.post<RegisterReport>(`/registers/${encodeURIComponent(register)}/import`, undefined, {
    query: { node: String(node), dry_run: opts.dryRun ? 'true' : undefined, good_rows_only: opts.goodRowsOnly ? 'true' : undefined },
    raw: { body: file, type: XLSX_TYPE },
  })
}

/** The file name of a Content-Disposition header (filename*=UTF-8''… first, then filename="…"). */
export function dispositionName(header: string | null, fallback: string): string {
  if (!header) return fallback
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim())
    } catch {
      /* fall through */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(header)
  return plain ? plain[1].trim() : fallback
}

/** GETs a file (the session cookie goes with it) and saves it; a refusal is an ApiError. */
export async function downloadFile(path: string, query: Record<string, string> | undefined, fallback: string): Promise<string> {
  let res: Response
  try {
    res = await globalThis.fetch(buildUrl('/api/v1', path, query), {
      credentials: 'same-origin',
      headers: { Accept: `${XLSX_TYPE}, application/problem+json` },
    })
  } catch (e) {
    throw new ApiError({ status: 0, title: 'network', detail: e instanceof Error ? e.message : String(e) })
  }
  if (!res.ok) throw new ApiError(await parseProblem(res))
  const name = dispositionName(res.headers.get('Content-Disposition'), fallback)
  const url = URL.createObjectURL(await res.blob())
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
  return name
}
export const downloadRegisterTemplate = (register: string) =>
  downloadFile(`/registers/${encodeURIComponent(register)}/template`, undefined, `${register}-template.xlsx`)
/** The register's export; `unmasked` (with a reason, logged by the server) shows the personal fields in full. */
export const downloadRegisterExport = (register: string, node: Id, opts: { unmasked?: boolean; reason?: string } = {}) =>
  downloadFile(
    `/registers/${encodeURIComponent(register)}/export`,
    opts.unmasked ? { node: String(node), unmasked: 'true', reason: opts.reason ?? '' } : { node: String(node) },
    `${register}.xlsx`,
  )

// --- people leaving (issue 6 item 8: their personal data is erased after the retention period)
/** A resident moved out or removed from the register (DELETE with If-Match: a stale version is a 412). */
export const leaveResident = (id: Id, version: number) => api.del(`/residents/${p(id)}`, { ifMatch: version })
/** A volunteer deregistered (DELETE with If-Match: a stale version is a 412). */
export const deregisterVolunteer = (id: Id, version: number) => api.del(`/volunteers/${p(id)}`, { ifMatch: version })

// --- party members (双报到, 报到证, roster), staffing, volunteers, co-building, red property
import type {
  Agreement,
  Certificate,
  GridStaff,
  LinkGap,
  Links,
  Member,
  NewGridStaff,
  NewMember,
  NewVolunteer,
  OrgMember,
  RedPropertyOrg,
  Registration,
  RosterGap,
  StaffingGap,
  Volunteer,
} from './types'

export const MEMBER_PAGE = 200
export const listMembers = (node: Id, f: { q?: string; sinking?: boolean; after?: Id; limit?: number } = {}) =>
  api
    .get<Items<Member>>('/members', {
      node: String(node),
      q: f.q,
      sinking: f.sinking ? 'true' : undefined,
      after: f.after != null ? String(f.after) : undefined,
      limit: f.limit != null ? String(f.limit) : undefined,
    })
    .then((r) => r.items ?? [])
export const getMember = (id: Id) => api.get<Member>(`/members/${p(id)}`)
export const createMember = (body: NewMember) =>
  api.post<Member>('/members', body, { headers: { 'Idempotency-Key': newIdempotencyKey() } })
/** 双报到: the member (or staff for them) asks the community where they live. */
export const requestRegistration = (member: Id) => api.post<Registration>(`/members/${p(member)}/registration`)
/** The community confirms; the 报到证 is issued. */
export const confirmRegistration = (registration: Id) => api.post<Registration>(`/registrations/${p(registration)}/confirm`)
export const listOverdueRegistrations = (node: Id) =>
  api.get<Items<Registration>>('/registrations/overdue', { node: String(node) }).then((r) => r.items ?? [])
/** The certificate's QR code (SVG), read with the session cookie. */
export const certificateQrUrl = (member: Id) => `/api/v1/members/${p(member)}/certificate.svg`
export const putRoster = (member: Id, weekdays: number[]) => api.put<void>(`/members/${p(member)}/roster`, { weekdays })
export const listRosterGaps = (node: Id) => api.get<Items<RosterGap>>('/roster/gaps', { node: String(node) }).then((r) => r.items ?? [])
export const getPublicCertificate = (token: string) =>
  api.get<Certificate>(`/public/certificates/${encodeURIComponent(token)}`, undefined, { noAuthRedirect: true })

export const listGridStaff = (node: Id) => api.get<Items<GridStaff>>('/grid-staff', { node: String(node) }).then((r) => r.items ?? [])
export const addGridStaff = (body: NewGridStaff) =>
  api.post<GridStaff>('/grid-staff', body, { headers: { 'Idempotency-Key': newIdempotencyKey() } })
export const endGridStaff = (id: Id) => api.del(`/grid-staff/${p(id)}`)
export const listStaffingGaps = (node: Id) =>
  api.get<Items<StaffingGap>>('/grid-staff/gaps', { node: String(node) }).then((r) => r.items ?? [])

export const listVolunteers = (node: Id, colour?: string, q?: string) =>
  api
    .get<Items<Volunteer>>('/volunteers', { node: String(node), colour: colour || undefined, q: q?.trim() || undefined })
    .then((r) => r.items ?? [])
export const registerVolunteer = (body: NewVolunteer) =>
  api.post<Volunteer>('/volunteers', body, { headers: { 'Idempotency-Key': newIdempotencyKey() } })

export const listAgreements = (node: Id) =>
  api.get<Items<Agreement>>('/cobuild/agreements', { node: String(node) }).then((r) => r.items ?? [])
export const recordAgreement = (body: Omit<Agreement, 'id' | 'org_name' | 'community_name'>) =>
  api.post<Agreement>('/cobuild/agreements', body, { headers: { 'Idempotency-Key': newIdempotencyKey() } })
export const getLinks = (community: Id) => api.get<Links>(`/communities/${p(community)}/links`)
export const putLinks = (community: Id, body: Omit<Links, 'community_id' | 'unit_name'>) =>
  api.put<Links>(`/communities/${p(community)}/links`, body)
export const listLinkGaps = (node: Id) => api.get<Items<LinkGap>>('/cobuild/gaps', { node: String(node) }).then((r) => r.items ?? [])

export const listRedProperty = (node: Id) =>
  api.get<Items<RedPropertyOrg>>('/red-property', { node: String(node) }).then((r) => r.items ?? [])
export const setOrgBranch = (org: Id, partyOrg: Id) => api.put<void>(`/orgs/${p(org)}/branch`, { party_org_id: partyOrg })
export const addOrgMember = (org: Id, body: Omit<OrgMember, 'id' | 'org_id'>) => api.post<OrgMember>(`/orgs/${p(org)}/members`, body)
export const endOrgMember = (id: Id) => api.del(`/org-members/${p(id)}`)

// --- posts and duties (设岗定责), 包保, members leaving, volunteer stations, agreements due for
// renewal, owners' committees' terms
import type {
  Baobao,
  BaobaoGaps,
  CommitteeTerm,
  DueAgreement,
  MemberLeave,
  MemberPost,
  NewMemberPost,
  NewStation,
  PostGap,
  PostKindInfo,
  Station,
  StationGap,
  TermDue,
} from './types'

export const listPostKinds = () => api.get<Items<PostKindInfo>>('/post-kinds').then((r) => r.items ?? [])
/** A member's posts: the current ones first, then those ended. */
export const listMemberPosts = (member: Id) => api.get<Items<MemberPost>>(`/members/${p(member)}/posts`).then((r) => r.items ?? [])
export const addMemberPost = (member: Id, body: NewMemberPost) =>
  api.post<MemberPost>(`/members/${p(member)}/posts`, body, { headers: { 'Idempotency-Key': newIdempotencyKey() } })
export const patchPost = (id: Id, body: Record<string, unknown>, version: number) => api.patch<MemberPost>(`/posts/${p(id)}`, body, { ifMatch: version })
/** Ends a post (kept as the member's history). */
export const endPost = (id: Id, version: number) => api.del<MemberPost>(`/posts/${p(id)}`, { ifMatch: version })
/** The current posts serving the nodes under a node. */
export const listPosts = (node: Id) => api.get<Items<MemberPost>>('/posts', { node: String(node) }).then((r) => r.items ?? [])
export const listPostGaps = (node: Id, level: 'grid' | 'community' = 'grid') =>
  api.get<Items<PostGap>>('/posts/gaps', { node: String(node), level }).then((r) => r.items ?? [])

export const listBaobaoOfMember = (member: Id) => api.get<Items<Baobao>>('/baobao', { member: String(member) }).then((r) => r.items ?? [])
export const listBaobao = (node: Id) => api.get<Items<Baobao>>('/baobao', { node: String(node) }).then((r) => r.items ?? [])
export const assignBaobao = (body: { member_id: Id; building_id?: Id | null; household_id?: Id | null; starts_on?: string }) =>
  api.post<Baobao>('/baobao', body, { headers: { 'Idempotency-Key': newIdempotencyKey() } })
export const endBaobao = (id: Id) => api.del(`/baobao/${p(id)}`)
export const getBaobaoGaps = (node: Id) => api.get<BaobaoGaps>('/baobao/gaps', { node: String(node) })

/** A member leaves (转出 …): If-Match on the member's version. */
export const leaveMember = (member: Id, body: MemberLeave, version: number) =>
  api.post<Member>(`/members/${p(member)}/leave`, body, { ifMatch: version })

export const listStations = (node: Id) => api.get<Items<Station>>('/volunteer-stations', { node: String(node) }).then((r) => r.items ?? [])
export const createStation = (body: NewStation) =>
  api.post<Station>('/volunteer-stations', body, { headers: { 'Idempotency-Key': newIdempotencyKey() } })
export const patchStation = (id: Id, body: Partial<Omit<NewStation, 'node_id'>>, version: number) =>
  api.patch<Station>(`/volunteer-stations/${p(id)}`, body, { ifMatch: version })
/** The volunteer teams of a station (PUT, If-Match on the station's version). */
export const putStationTeams = (id: Id, teamIds: Id[], version: number) =>
  api.put<Station>(`/volunteer-stations/${p(id)}/teams`, { team_ids: teamIds }, { ifMatch: version })
/** Attach a volunteer to a station of their community, or detach (null); If-Match on the volunteer. */
export const setVolunteerStation = (id: Id, stationId: Id | null, version: number) =>
  api.put<Volunteer>(`/volunteers/${p(id)}/station`, { station_id: stationId }, { ifMatch: version })
export const listStationGaps = (node: Id) =>
  api.get<Items<StationGap>>('/volunteer-stations/gaps', { node: String(node) }).then((r) => r.items ?? [])

export const listDueAgreements = (node: Id, days?: number) =>
  api
    .get<Items<DueAgreement>>('/cobuild/agreements/due', { node: String(node), days: days != null ? String(days) : undefined })
    .then((r) => r.items ?? [])
export const renewAgreement = (id: Id, body: { signed_on: string; ends_on: string; content?: string }) =>
  api.post<Agreement>(`/cobuild/agreements/${p(id)}/renew`, body, { headers: { 'Idempotency-Key': newIdempotencyKey() } })

export const listTerms = (org: Id) => api.get<Items<CommitteeTerm>>(`/orgs/${p(org)}/terms`).then((r) => r.items ?? [])
/** The first term, or a re-election (换届): If-Match on the current term's version. */
export const startTerm = (org: Id, body: { elected_on: string; ends_on: string }, currentVersion?: number) =>
  api.post<CommitteeTerm>(`/orgs/${p(org)}/terms`, body, { ifMatch: currentVersion, headers: { 'Idempotency-Key': newIdempotencyKey() } })
export const listDueTerms = (node: Id, days?: number) =>
  api
    .get<Items<TermDue>>('/committee-terms/due', { node: String(node), days: days != null ? String(days) : undefined })
    .then((r) => r.items ?? [])

// --- notifications and joint meetings (issue 5)
import type { AgendaItem, Meeting, NewMeeting, NotificationList } from './types'

export const listNotifications = (opts: { limit?: number; unread?: boolean } = {}) =>
  api.get<NotificationList>('/notifications', {
    limit: opts.limit != null ? String(opts.limit) : undefined,
    unread: opts.unread ? 'true' : undefined,
  })
/** Marks notices read for the caller: `ids` one by one, `up_to` everything up to that id (全部已读). */
export const markNotificationsRead = (body: { ids?: Id[]; up_to?: Id }) =>
  api.post<{ marked: number; unread: number }>('/notifications/read', body)
export const getAgenda = (node: Id) => api.get<Items<AgendaItem>>('/agenda', { node: String(node) }).then((r) => r.items ?? [])
export const listMeetings = (node: Id) => api.get<Items<Meeting>>('/meetings', { node: String(node) }).then((r) => r.items ?? [])
export const recordMeeting = (body: NewMeeting, idempotencyKey: string) =>
  api.post<Meeting>('/meetings', body, { headers: { 'Idempotency-Key': idempotencyKey } })
