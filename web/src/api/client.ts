// A small fetch wrapper for the redgrid API: cookie session, CSRF header on
// unsafe methods, RFC 9457 problem documents turned into ApiError.

export interface FieldError {
  field: string
  rule?: string
  message: string
}

export interface Problem {
  type?: string
  title?: string
  status: number
  detail?: string
  /** the server's request id (logged with the cause of a 500) */
  request_id?: string
  errors?: FieldError[]
  /** extension members (RFC 9457 §3.2), such as `nearest` of a 404 from /locate or `report` of a 422 import */
  extensions?: Record<string, unknown>
}

/** The members every problem document may have; anything else is an extension. */
const STANDARD_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'instance', 'request_id', 'errors'])

export const CSRF_COOKIE = 'redgrid_csrf'
export const CSRF_HEADER = 'X-CSRF-Token'
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem
  /** seconds from a Retry-After header (429), if any */
  readonly retryAfter?: number

  constructor(problem: Problem, retryAfter?: number) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`)
    this.name = 'ApiError'
    this.status = problem.status
    this.problem = problem
    this.retryAfter = retryAfter
  }

  /** field → message (first message wins), for el-form-item :error */
  get fieldErrors(): Record<string, string> {
    return fieldErrorMap(this.problem.errors)
  }
}

export function fieldErrorMap(errors: FieldError[] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of errors ?? []) {
    if (!e || typeof e.field !== 'string') continue
    const msg = e.message || e.rule || ''
    if (!(e.field in out)) out[e.field] = msg
  }
  return out
}

/** Reads a Response that is not ok into a Problem, whatever its body is. */
export async function parseProblem(res: Response): Promise<Problem> {
  let body: unknown = undefined
  const text = await res.text().catch(() => '')
  if (text) {
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
  }
  const p: Problem = { status: res.status }
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>
    if (typeof b.type === 'string') p.type = b.type
    if (typeof b.title === 'string') p.title = b.title
    if (typeof b.detail === 'string') p.detail = b.detail
    if (typeof b.status === 'number') p.status = b.status
    if (typeof b.request_id === 'string') p.request_id = b.request_id
    if (Array.isArray(b.errors)) {
      p.errors = b.errors
        .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object')
        .map((e) => ({
          field: String(e.field ?? ''),
          rule: typeof e.rule === 'string' ? e.rule : undefined,
          message: String(e.message ?? e.rule ?? ''),
        }))
    }
    for (const [k, v] of Object.entries(b)) {
      if (STANDARD_MEMBERS.has(k)) continue
      p.extensions ??= {}
      p.extensions[k] = v
    }
  }
  if (!p.title) p.title = res.statusText || `HTTP ${res.status}`
  return p
}

export function readCookie(cookieString: string, name: string): string | undefined {
  for (const part of cookieString.split(';')) {
    const i = part.indexOf('=')
    if (i < 0) continue
    if (part.slice(0, i).trim() === name) {
      const v = part.slice(i + 1).trim()
      try {
        return decodeURIComponent(v)
      } catch {
        return v
      }
    }
  }
  return undefined
}

export type Query = Record<string, string | number | boolean | null | undefined>

export interface RequestOptions {
  query?: Query
  body?: unknown
  headers?: Record<string, string>
  /** version for If-Match (sent quoted, as the ETag is) */
  ifMatch?: number | string
  /** do not call onUnauthorized on 401 (login, the start-up /me probe) */
  noAuthRedirect?: boolean
  /** a body sent as it is (an uploaded file) with its Content-Type, instead of JSON `body` */
  raw?: { body: Blob | ArrayBuffer | string; type: string }
  /** a multipart/form-data body (an uploaded photo); the browser sets the Content-Type and boundary */
  form?: FormData
}

export interface ApiResponse<T> {
  status: number
  data: T
  etag: string | null
}

export interface ClientOptions {
  baseUrl?: string
  fetch?: typeof fetch
  /** returns document.cookie (injectable for tests) */
  cookies?: () => string
  onUnauthorized?: () => void
}

export function buildUrl(baseUrl: string, path: string, query?: Query): string {
  let url = baseUrl + path
  if (query) {
    const qs = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null || v === '') continue
      qs.append(k, String(v))
    }
    const s = qs.toString()
    if (s) url += (url.includes('?') ? '&' : '?') + s
  }
  return url
}

export class ApiClient {
  csrfToken: string | null = null
  onUnauthorized?: () => void
  private readonly baseUrl: string
  private readonly fetchImpl: typeof fetch
  private readonly cookies: () => string

  constructor(opts: ClientOptions = {}) {
    this.baseUrl = opts.baseUrl ?? '/api/v1'
    this.fetchImpl = opts.fetch ?? ((input, init) => globalThis.fetch(input, init))
    this.cookies = opts.cookies ?? (() => (typeof document !== 'undefined' ? document.cookie : ''))
    this.onUnauthorized = opts.onUnauthorized
  }

  /** The CSRF token: the cookie (kept current by the server) or the one from the login answer. */
  currentCsrf(): string | null {
    return readCookie(this.cookies(), CSRF_COOKIE) || this.csrfToken
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const m = method.toUpperCase()
    const headers: Record<string, string> = {
      Accept: 'application/json, application/problem+json',
      ...(opts.headers ?? {}),
    }
    let body: Blob | ArrayBuffer | string | FormData | undefined
    if (opts.form) {
      body = opts.form
    } else if (opts.raw) {
      headers['Content-Type'] = opts.raw.type
      body = opts.raw.body
    } else if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(opts.body)
    }
    if (UNSAFE.has(m)) {
      const token = this.currentCsrf()
      if (token) headers[CSRF_HEADER] = token
    }
    if (opts.ifMatch !== undefined && opts.ifMatch !== null && opts.ifMatch !== '') {
      const v = String(opts.ifMatch)
      headers['If-Match'] = v.startsWith('"') || v.startsWith('W/') ? v : `"${v}"`
    }
    let res: Response
    try {
      res = await this.fetchImpl(buildUrl(this.baseUrl, path, opts.query), {
        method: m,
        headers,
        body,
        credentials: 'same-origin',
      })
    } catch (e) {
      throw new ApiError({ status: 0, title: 'network', detail: e instanceof Error ? e.message : String(e) })
    }
    if (!res.ok) {
      const problem = await parseProblem(res)
      if (res.status === 401 && !opts.noAuthRedirect && this.onUnauthorized) this.onUnauthorized()
      const ra = res.headers.get('Retry-After')
      const retry = ra !== null && /^\d+$/.test(ra.trim()) ? Number(ra.trim()) : undefined
      throw new ApiError(problem, retry)
    }
    let data: unknown = null
    if (res.status !== 204) {
      const text = await res.text()
      if (text) {
        try {
          data = JSON.parse(text)
        } catch {
          data = text
        }
      }
    }
    return { status: res.status, data: data as T, etag: res.headers.get('ETag') }
  }

  async get<T>(path: string, query?: Query, opts: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('GET', path, { ...opts, query })).data
  }
  async post<T>(path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('POST', path, { ...opts, body })).data
  }
  async patch<T>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('PATCH', path, { ...opts, body })).data
  }
  async put<T>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('PUT', path, { ...opts, body })).data
  }
  async del<T = null>(path: string, opts: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('DELETE', path, opts)).data
  }
}

/** A random key for Idempotency-Key; works outside secure contexts too. */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto
  if (c && typeof c.randomUUID === 'function') {
    try {
      return c.randomUUID()
    } catch {
      /* insecure context: fall through */
    }
  }
  const b = new Uint8Array(16)
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(b)
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256)
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}
