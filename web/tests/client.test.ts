import { describe, expect, it, vi, afterEach } from 'vitest'
import { ApiClient, ApiError, buildUrl, fieldErrorMap, parseProblem, readCookie } from '../src/api/client'

interface Call {
  url: string
  init: RequestInit
}

function problem(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  })
}

function client(responses: Array<() => Response>, cookie = '', onUnauthorized?: () => void) {
  const calls: Call[] = []
  let i = 0
  const fetchImpl = (async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} })
    const r = responses[Math.min(i++, responses.length - 1)]
    return r()
  }) as typeof fetch
  const c = new ApiClient({ fetch: fetchImpl, cookies: () => cookie, onUnauthorized })
  return { c, calls }
}

const ok = (body: unknown = {}, headers: Record<string, string> = {}) => () =>
  new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json', ...headers } })
const asErr = (e: unknown) => e as ApiError
const unexpected = (): never => {
  throw new Error('expected the call to fail')
}
const header = (call: Call, name: string) => new Headers(call.init.headers).get(name)

describe('CSRF header', () => {
  it('is sent on POST, PATCH and DELETE but not on GET', async () => {
    const { c, calls } = client([ok()], 'other=1; redgrid_csrf=tok-123')
    await c.get('/nodes')
    await c.post('/nodes', { name: 'x' })
    await c.patch('/nodes/1', { name: 'y' })
    await c.del('/users/1/roles/2')
    expect(calls.map((x) => x.init.method)).toEqual(['GET', 'POST', 'PATCH', 'DELETE'])
    expect(header(calls[0], 'X-CSRF-Token')).toBeNull()
    expect(header(calls[1], 'X-CSRF-Token')).toBe('tok-123')
    expect(header(calls[2], 'X-CSRF-Token')).toBe('tok-123')
    expect(header(calls[3], 'X-CSRF-Token')).toBe('tok-123')
  })

  it('falls back to the token from the login answer when there is no cookie', async () => {
    const { c, calls } = client([ok()], '')
    c.csrfToken = 'from-login'
    await c.post('/auth/logout')
    expect(header(calls[0], 'X-CSRF-Token')).toBe('from-login')
  })

  it('prefers the current cookie over a remembered token', async () => {
    const { c, calls } = client([ok()], 'redgrid_csrf=fresh')
    c.csrfToken = 'stale'
    await c.patch('/nodes/1', {})
    expect(header(calls[0], 'X-CSRF-Token')).toBe('fresh')
  })

  it('sends JSON with the same-origin cookie', async () => {
    const { c, calls } = client([ok()], '')
    await c.post('/nodes', { kind: 'grid', name: '一网格' })
    expect(header(calls[0], 'Content-Type')).toBe('application/json')
    expect(calls[0].init.body).toBe('{"kind":"grid","name":"一网格"}')
    expect(calls[0].init.credentials).toBe('same-origin')
    expect(calls[0].url).toBe('/api/v1/nodes')
  })
})

describe('If-Match', () => {
  it('quotes a bare version like the ETag', async () => {
    const { c, calls } = client([ok()])
    await c.request('PATCH', '/nodes/7', { body: { name: 'n' }, ifMatch: 3 })
    await c.request('PATCH', '/nodes/7', { body: { name: 'n' }, ifMatch: '"4"' })
    expect(header(calls[0], 'If-Match')).toBe('"3"')
    expect(header(calls[1], 'If-Match')).toBe('"4"')
  })

  it('returns the ETag of a response', async () => {
    const { c } = client([ok({ id: 1 }, { ETag: '"9"' })])
    const r = await c.request('GET', '/nodes/1')
    expect(r.etag).toBe('"9"')
    expect(r.data).toEqual({ id: 1 })
  })
})

describe('problem documents', () => {
  it('become ApiError with field errors', async () => {
    const body = {
      type: 'about:blank',
      title: 'Unprocessable',
      status: 422,
      detail: '数据不合法',
      errors: [
        { field: 'parent_id', rule: 'grid_under_community', message: '网格只能挂在社区下' },
        { field: 'name', rule: 'required', message: '必填' },
        { field: 'name', rule: 'other', message: 'second message is ignored' },
      ],
    }
    const { c } = client([() => problem(422, body)])
    const err = await c.patch('/nodes/1', { parent_id: 2 }).then(unexpected, asErr)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(422)
    expect(err.message).toBe('数据不合法')
    expect(err.problem.errors).toHaveLength(3)
    expect(err.fieldErrors).toEqual({ parent_id: '网格只能挂在社区下', name: '必填' })
  })

  it('keep the request id of a 500', async () => {
    const res = problem(500, { type: 'urn:redgrid:problem:internal', status: 500, detail: 'x', request_id: 'abc123' })
    expect((await parseProblem(res)).request_id).toBe('abc123')
  })

  it('survive a body that is not JSON', async () => {
    const res = new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' })
    const p = await parseProblem(res)
    expect(p.status).toBe(502)
    expect(p.title).toBe('Bad Gateway')
    expect(p.detail).toBeUndefined()
    expect(p.errors).toBeUndefined()
  })

  it('use the rule when an error has no message', () => {
    expect(fieldErrorMap([{ field: 'code', rule: 'unique', message: '' }])).toEqual({ code: 'unique' })
    expect(fieldErrorMap(undefined)).toEqual({})
  })

  it('carry Retry-After on 429', async () => {
    const { c } = client([() => problem(429, { status: 429, title: 'Too Many Requests', detail: '尝试次数过多' }, { 'Retry-After': '30' })])
    const err = await c.post('/auth/login', {}, { noAuthRedirect: true }).then(unexpected, asErr)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(429)
    expect(err.retryAfter).toBe(30)
    expect(err.problem.detail).toBe('尝试次数过多')
  })

  it('network failures are ApiError with status 0', async () => {
    const c = new ApiClient({ fetch: (async () => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch, cookies: () => '' })
    const err = await c.get('/me').then(unexpected, asErr)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(0)
  })
})

describe('401 handling', () => {
  it('calls onUnauthorized on a 401 and still rejects', async () => {
    const hook = vi.fn()
    const { c } = client([() => problem(401, { status: 401, title: 'Unauthorized', detail: '请先登录' })], '', hook)
    const err = await c.get('/nodes').then(unexpected, asErr)
    expect(hook).toHaveBeenCalledTimes(1)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(401)
  })

  it('does not redirect for the login call itself or on 403', async () => {
    const hook = vi.fn()
    const { c } = client(
      [
        () => problem(401, { status: 401, detail: '用户名或密码错误' }),
        () => problem(403, { status: 403, detail: '无权访问' }),
      ],
      '',
      hook,
    )
    const e1 = await c.post('/auth/login', { username: 'a', password: 'b' }, { noAuthRedirect: true }).then(unexpected, asErr)
    const e2 = await c.get('/nodes/5').then(unexpected, asErr)
    expect(e1.problem.detail).toBe('用户名或密码错误')
    expect(e2.status).toBe(403)
    expect(hook).not.toHaveBeenCalled()
  })
})

describe('helpers', () => {
  it('204 gives null data', async () => {
    const { c } = client([() => new Response(null, { status: 204 })])
    expect(await c.del('/users/1/roles/2')).toBeNull()
  })

  it('buildUrl drops empty query values and encodes the rest', () => {
    expect(buildUrl('/api/v1', '/nodes', { q: '五堰 社区', kind: '', within: undefined, parent: null })).toBe(
      '/api/v1/nodes?q=%E4%BA%94%E5%A0%B0+%E7%A4%BE%E5%8C%BA',
    )
    expect(buildUrl('/api/v1', '/nodes', { parent: 12 })).toBe('/api/v1/nodes?parent=12')
    expect(buildUrl('/api/v1', '/nodes')).toBe('/api/v1/nodes')
  })

  it('readCookie finds one cookie among many', () => {
    expect(readCookie('a=1; redgrid_csrf=x%2By; b=2', 'redgrid_csrf')).toBe('x+y')
    expect(readCookie('redgrid_csrf_old=1', 'redgrid_csrf')).toBeUndefined()
    expect(readCookie('', 'redgrid_csrf')).toBeUndefined()
  })
})

describe('login()', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('keeps the csrf_token of the login answer for later unsafe calls', async () => {
    const seen: Array<{ url: string; csrf: string | null }> = []
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      seen.push({ url, csrf: new Headers(init.headers).get('X-CSRF-Token') })
      if (url.endsWith('/auth/login'))
        return new Response(
          JSON.stringify({ token: 't', csrf_token: 'csrf-abc', expires_at: '2030-01-01T00:00:00Z', user: { id: 1, username: 'u', display_name: 'U', roles: [] } }),
          { status: 200, headers: { 'Content-Type': 'application/json' } },
        )
      return new Response(null, { status: 204 })
    })
    const mod = await import('../src/api/index')
    const r = await mod.login('u', 'p')
    expect(r.user.username).toBe('u')
    expect(mod.api.csrfToken).toBe('csrf-abc')
    await mod.logout()
    expect(seen[1]).toEqual({ url: '/api/v1/auth/logout', csrf: 'csrf-abc' })
    expect(mod.api.csrfToken).toBeNull()
  })
})

describe('problem extension members', () => {
  it('are kept apart from the standard members', async () => {
    const res = problem(404, {
      type: 'urn:redgrid:problem:not_found',
      title: 'Not Found',
      status: 404,
      detail: 'the point lies in no grid',
      instance: '/api/v1/locate',
      request_id: 'r1',
      nearest: { id: 4, code: '42030200100101', name: '五堰第一网格', distance_m: 124 },
      point: [110.758, 32.6125],
    })
    const p = await parseProblem(res)
    expect(p.extensions).toEqual({
      nearest: { id: 4, code: '42030200100101', name: '五堰第一网格', distance_m: 124 },
      point: [110.758, 32.6125],
    })
    expect(p.detail).toBe('the point lies in no grid')
  })

  it('are absent when there are none', async () => {
    const p = await parseProblem(problem(403, { type: 'urn:redgrid:problem:forbidden', status: 403, title: 'Forbidden' }))
    expect(p.extensions).toBeUndefined()
  })

  it('reach the caller through ApiError (the report of a 422 import)', async () => {
    const { c } = client([() => problem(422, { status: 422, report: { valid: false, errors: [] } })])
    const err = await c.post('/grids/import').then(unexpected, asErr)
    expect(err.problem.extensions?.report).toEqual({ valid: false, errors: [] })
  })
})

describe('raw bodies (file uploads)', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('are sent as they are, with their Content-Type and the CSRF header', async () => {
    const { c, calls } = client([ok({ valid: true })], 'redgrid_csrf=tok-9')
    const file = new Blob(['{"type":"FeatureCollection","features":[]}'])
    await c.post('/grids/import', undefined, {
      query: { dry_run: 'true' },
      raw: { body: file, type: 'application/geo+json' },
    })
    expect(calls[0].url).toBe('/api/v1/grids/import?dry_run=true')
    expect(calls[0].init.body).toBe(file)
    expect(header(calls[0], 'Content-Type')).toBe('application/geo+json')
    expect(header(calls[0], 'X-CSRF-Token')).toBe('tok-9')
  })

  it('listCases pages order=due after a case: its id and due_at (none when it had no deadline)', async () => {
    const seen: string[] = []
    vi.stubGlobal('fetch', async (url: string) => {
      seen.push(url)
      return new Response(JSON.stringify({ items: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } })
    })
    const mod = await import('../src/api/index')
    await mod.listCases({ order: 'due', limit: 301, after: 42, afterDue: '2026-11-23T06:00:00.5Z' })
    await mod.listCases({ order: 'due', limit: 301, after: 43, afterDue: null })
    await mod.listCases({ order: 'due', limit: 300, afterDue: '2026-11-23T06:00:00Z' })
    expect(seen).toEqual([
      '/api/v1/cases?order=due&limit=301&after=42&after_due=2026-11-23T06%3A00%3A00.5Z',
      '/api/v1/cases?order=due&limit=301&after=43',
      '/api/v1/cases?order=due&limit=300',
    ])
  })

  it('importBoundaries sends zip files as application/zip and a key on real imports only', async () => {
    const seen: Array<{ url: string; headers: Headers; body: unknown }> = []
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      seen.push({ url, headers: new Headers(init.headers), body: init.body })
      return new Response(JSON.stringify({ valid: true }), { status: 200, headers: { 'Content-Type': 'application/json' } })
    })
    const mod = await import('../src/api/index')
    const zip = new Blob([new Uint8Array([0x50, 0x4b, 3, 4])])
    await mod.importBoundaries(zip, { fileName: 'grids.ZIP', dryRun: true, crs: 'gcj02' })
    await mod.importBoundaries(zip, { fileName: 'grids.geojson', dryRun: false })
    expect(seen[0].url).toBe('/api/v1/grids/import?dry_run=true&crs=gcj02&source=grids.ZIP')
    expect(seen[0].headers.get('Content-Type')).toBe('application/zip')
    expect(seen[0].headers.get('Idempotency-Key')).toBeNull()
    expect(seen[0].body).toBe(zip)
    expect(seen[1].url).toBe('/api/v1/grids/import?dry_run=false&source=grids.geojson')
    expect(seen[1].headers.get('Content-Type')).toBe('application/geo+json')
    expect(seen[1].headers.get('Idempotency-Key')).toBeTruthy()
  })
})
