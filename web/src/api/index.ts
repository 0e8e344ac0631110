import { ApiClient, newIdempotencyKey } from './client'
import type {
  Grant,
  HistoryItem,
  Id,
  Items,
  LoginResponse,
  Me,
  Node,
  NodeDetail,
  Org,
  PartyOrg,
  PartyOrgDetail,
  RoleRequest,
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
