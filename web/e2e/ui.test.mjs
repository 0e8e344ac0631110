// Browser test of the redgrid UI against a real `redgrid demo` server.
//
//   REDGRID_BIN=/abs/path/to/redgrid npm run e2e
//
// Starts `$REDGRID_BIN demo --addr 127.0.0.1:<free port> --data <temp dir>`, waits for /readyz,
// drives /usr/bin/chromium (or $CHROMIUM_PATH) with playwright-core, and stops the server at the end.
// Screenshots go to /tmp/redgrid-e2e-*.png.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

const BIN = process.env.REDGRID_BIN
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const PASSWORD = 'demo1234'
const READY_TIMEOUT_MS = 60_000
const SHOTS = '/tmp'

let server // child process
let serverLog = ''
let dataDir
let base
let browser
let page

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function waitReady(url) {
  const deadline = Date.now() + READY_TIMEOUT_MS
  let last = ''
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`redgrid exited early (code ${server.exitCode}, signal ${server.signalCode}):\n${serverLog}`)
    }
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) })
      if (r.status === 200) return
      last = `HTTP ${r.status}`
    } catch (e) {
      last = String(e?.cause?.code ?? e?.message ?? e)
    }
    await sleep(250)
  }
  throw new Error(`${url} not ready after ${READY_TIMEOUT_MS / 1000}s (last: ${last}):\n${serverLog}`)
}

function stopServer() {
  return new Promise((resolve) => {
    if (!server || server.exitCode !== null || server.signalCode !== null) return resolve()
    const timer = setTimeout(() => {
      server.kill('SIGKILL')
    }, 5000)
    server.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    server.kill('SIGTERM')
  })
}

/** Logs in through the API (no browser) and returns the token, the login answer and /me. */
async function apiLogin(username) {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  })
  const body = await r.text()
  assert.equal(r.status, 200, `API login as ${username}: HTTP ${r.status} ${body}`)
  const login = JSON.parse(body)
  assert.ok(login.token, `login answer for ${username} has a token: ${body}`)
  const meRes = await fetch(`${base}/api/v1/me`, {
    headers: { Authorization: `Bearer ${login.token}`, Accept: 'application/json' },
  })
  const meBody = await meRes.text()
  assert.equal(meRes.status, 200, `GET /me as ${username}: HTTP ${meRes.status} ${meBody}`)
  return { token: login.token, login, me: JSON.parse(meBody) }
}

/** The community a user's role is held at (community_staff, or any role at a community node). */
function communityGrant(me) {
  const roles = me.roles ?? []
  return (
    roles.find((g) => g.role === 'community_staff' && g.node_id != null) ??
    roles.find((g) => g.node_kind === 'community' && g.node_id != null) ??
    roles.find((g) => g.node_id != null)
  )
}

async function shot(name) {
  // let requests, loading masks and transitions finish so the picture shows the page at rest
  await page.waitForLoadState('networkidle').catch(() => {})
  await page
    .waitForFunction(() => !document.querySelector('.el-loading-mask'), null, { timeout: 5000 })
    .catch(() => {})
  await sleep(400)
  const file = join(SHOTS, `redgrid-e2e-${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}

/** Fetches JSON from the API with a bearer token (no browser). */
async function apiGet(token, path) {
  const r = await fetch(`${base}/api/v1${path}`, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json, application/geo+json' },
  })
  const body = await r.text()
  assert.equal(r.status, 200, `GET ${path}: HTTP ${r.status} ${body.slice(0, 500)}`)
  return JSON.parse(body)
}

/** Posts a file to the import API with a bearer token; returns [status, body]. */
async function apiImport(token, text, dryRun = true) {
  const r = await fetch(`${base}/api/v1/grids/import?dry_run=${dryRun}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/geo+json', Accept: 'application/json' },
    body: text,
  })
  return [r.status, JSON.parse(await r.text())]
}

/** A fresh browser context (no cookies, zh-CN UI) logged in through the login page. */
async function loginPage(username) {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 900 } })
  const p = await context.newPage()
  p.setDefaultTimeout(20_000)
  p.on('pageerror', (e) => {
    serverLog += `\n[browser pageerror ${username}] ${e.message}`
  })
  await p.goto(`${base}/login`)
  await p.getByTestId('login-username').fill(username)
  await p.getByTestId('login-password').fill(PASSWORD)
  await p.getByTestId('login-submit').click()
  await p.getByTestId('workbench').waitFor()
  return p
}

async function shotOf(p, name) {
  await sleep(300)
  await p.screenshot({ path: join(SHOTS, `redgrid-e2e-${name}.png`), fullPage: true }).catch(() => {})
}

/** Waits until the map page has drawn the boundaries of its area. */
async function mapReady(p, nodeId) {
  const sel = nodeId === undefined ? '[data-testid=grid-map][data-state=ready]' : `[data-testid=grid-map][data-state=ready][data-node-id="${nodeId}"]`
  await p.locator(sel).waitFor()
}

/** Waits until a grid's path stops moving on the screen (zoom and pan animations are over). */
async function settled(p, gridId) {
  let last = ''
  for (let i = 0; i < 50; i++) {
    const now = await p.evaluate((id) => {
      const r = document.querySelector(`path[data-grid-id="${id}"]`)?.getBoundingClientRect()
      return r ? [r.left, r.top, r.width, r.height].map((v) => v.toFixed(1)).join(',') : ''
    }, String(gridId))
    if (now && now === last) return
    last = now
    await sleep(150)
  }
}

/**
 * A point on the screen inside a grid's path where that path is the topmost element (found with
 * SVG hit testing), so that a real mouse click lands on that grid; null if none is visible.
 */
async function interiorPoint(p, gridId) {
  await settled(p, gridId)
  return p.evaluate((id) => {
    const path = document.querySelector(`path[data-grid-id="${id}"]`)
    if (!path) return null
    const r = path.getBoundingClientRect()
    const inv = path.getScreenCTM().inverse()
    const pts = []
    for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) pts.push([i / 20, j / 20])
    pts.sort((a, b) => Math.hypot(a[0] - 0.5, a[1] - 0.5) - Math.hypot(b[0] - 0.5, b[1] - 0.5))
    for (const [fx, fy] of pts) {
      const x = r.left + r.width * fx
      const y = r.top + r.height * fy
      if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) continue
      const q = new DOMPoint(x, y).matrixTransform(inv)
      if (path.isPointInFill(q) && document.elementFromPoint(x, y) === path) return { x, y }
    }
    return null
  }, String(gridId))
}

const NO_BIN =
  'REDGRID_BIN is not set. Build the server first, e.g.\n' +
  '  (cd .. && go build -o bin/redgrid ./cmd/redgrid) && REDGRID_BIN=$PWD/../bin/redgrid npm run e2e'

// Without a server binary there is nothing to test against: fail loudly, as one failed test.
test('REDGRID_BIN names the redgrid binary', () => {
  assert.ok(BIN, NO_BIN)
})

describe('redgrid web UI (browser)', { timeout: 480_000, skip: !BIN && 'REDGRID_BIN is not set' }, () => {
  before(async () => {
    if (!existsSync(BIN)) throw new Error(`REDGRID_BIN=${BIN} does not exist`)
    if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`)

    const port = await freePort()
    dataDir = mkdtempSync(join(tmpdir(), 'redgrid-e2e-'))
    base = `http://127.0.0.1:${port}`
    server = spawn(BIN, ['demo', '--addr', `127.0.0.1:${port}`, '--data', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env },
    })
    const keep = (d) => {
      serverLog += d.toString()
      if (serverLog.length > 200_000) serverLog = serverLog.slice(-100_000)
    }
    server.stdout.on('data', keep)
    server.stderr.on('data', keep)
    await waitReady(`${base}/readyz`)

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
      ],
    })
    // An English browser: the UI must still start in Chinese.
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 900 } })
    page = await context.newPage()
    page.setDefaultTimeout(15_000)
    page.on('pageerror', (e) => {
      serverLog += `\n[browser pageerror] ${e.message}`
    })
  })

  after(async () => {
    await browser?.close().catch(() => {})
    await stopServer()
    try {
      writeFileSync('/tmp/redgrid-e2e-server.log', serverLog)
    } catch {
      /* ignore */
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  test('the login page is Chinese by default and shows the server refusal', async () => {
    await page.goto(`${base}/`)
    await page.waitForURL(/\/login/)
    await page.getByTestId('login-username').waitFor()
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN')
    assert.match(await page.getByTestId('login-submit').innerText(), /登\s*录/)
    assert.match(await page.locator('body').innerText(), /用户名/)
    assert.match(await page.locator('body').innerText(), /密码/)

    await page.getByTestId('login-username').fill('street1')
    await page.getByTestId('login-password').fill('wrong-password')
    await page.getByTestId('login-submit').click()
    const err = page.getByTestId('login-error')
    await err.waitFor()
    const text = (await err.innerText()).trim()
    assert.ok(text.length > 0, 'the login error shows the problem')
    // the server's 401 says "wrong username or password"; in zh-CN the UI says it in Chinese
    assert.match(text, /用户名或密码错误/, `login error in Chinese: ${text}`)
    assert.doesNotMatch(text, /wrong username/i)
    assert.match(page.url(), /\/login/)
    await shot('login-failed')
  })

  test('community1 logs in and sees its own community', async () => {
    await page.getByTestId('login-username').fill('community1')
    await page.getByTestId('login-password').fill(PASSWORD)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('workbench').waitFor()
    assert.doesNotMatch(page.url(), /\/login/)

    const header = await page.locator('header').innerText()
    assert.match(header, /红色网格/)
    assert.match(header, /退出登录/)
    assert.match(await page.getByTestId('side-menu').innerText(), /工作台/)
    assert.equal(await page.getByTestId('menu-users').count(), 0, 'no user admin menu for community staff')

    // The session cookie is the UI's: ask /me as the page does.
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json())
    assert.equal(me.username, 'community1')
    const grant = communityGrant(me)
    assert.ok(grant, `community1 has a role at a node: ${JSON.stringify(me)}`)
    const id = grant.node_id

    // Both trees are on the workbench; open the community from the administrative tree if it is
    // shown there (it is community1's scope root), else by URL.
    await page.getByTestId('admin-tree').waitFor()
    await page.getByTestId('party-tree').waitFor()
    const inTree = page.getByTestId(`admin-tree-node-${id}`)
    try {
      await inTree.waitFor({ timeout: 5000 })
    } catch {
      /* not a root in the tree */
    }
    await shot('workbench')
    if (await inTree.count()) await inTree.click()
    else await page.goto(`${base}/nodes/${id}`)

    await page.waitForURL(new RegExp(`/nodes/${id}$`))
    const title = page.getByTestId('node-name')
    await title.waitFor()
    const expected = grant.node_name
    assert.ok(expected, 'the grant carries node_name')
    assert.equal((await title.innerText()).trim(), expected)
    assert.equal(await page.getByTestId('forbidden').count(), 0)
    // Chinese labels on the page
    const body = await page.locator('body').innerText()
    assert.match(body, /社区/)
    assert.match(body, /下级节点/)
    await shot('own-community')
  })

  test("community1 is refused community2's community", async () => {
    const other = await apiLogin('community2')
    const own = await page.evaluate(async () => (await fetch('/api/v1/me')).json())
    const otherGrant = communityGrant(other.me)
    const ownGrant = communityGrant(own)
    assert.ok(otherGrant, `community2 has a role at a node: ${JSON.stringify(other.me)}`)
    assert.notEqual(String(otherGrant.node_id), String(ownGrant.node_id), 'two different communities')
    const otherName = otherGrant.node_name
    assert.ok(otherName)

    await page.goto(`${base}/nodes/${otherGrant.node_id}`)
    const forbidden = page.getByTestId('forbidden')
    await forbidden.waitFor()
    assert.match(await forbidden.innerText(), /无权访问/)
    assert.equal(await page.getByTestId('node-name').count(), 0, 'no node title on a refusal')
    const body = await page.locator('body').innerText()
    assert.ok(!body.includes(otherName), `the other community's name (${otherName}) must not be shown`)
    await shot('forbidden')

    // The same refusal in English after switching the language in the header; the choice is kept.
    await page.getByTestId('lang-switch').click()
    await page.locator('.el-select-dropdown__item', { hasText: 'English' }).click()
    await page.getByText('Access denied').waitFor()
    await page.reload()
    await page.getByTestId('forbidden').waitFor()
    assert.match(await page.getByTestId('forbidden').innerText(), /Access denied/)
    assert.equal(await page.evaluate(() => localStorage.getItem('redgrid.locale')), 'en')
    await shot('forbidden-en')
    await page.evaluate(() => localStorage.setItem('redgrid.locale', 'zh-CN'))
  })

  test('logout returns to the login page', async () => {
    await page.goto(`${base}/`)
    await page.getByTestId('logout').click()
    await page.waitForURL(/\/login/)
    const r = await page.evaluate(async () => (await fetch('/api/v1/me')).status)
    assert.equal(r, 401)
  })
  // ---- grids on the map

  test('the public QR page shows the grid without a login', async () => {
    const admin = await apiLogin('admin')
    const fc = await apiGet(admin.token, '/grids.geojson?kind=grid')
    const g = fc.features[0].properties
    const detail = await apiGet(admin.token, `/nodes/${g.id}`)
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true })
    const p = await context.newPage()
    p.setDefaultTimeout(20_000)
    try {
      await p.goto(`${base}/r/${g.code}`)
      await p.getByTestId('public-grid-name').waitFor()
      assert.doesNotMatch(p.url(), /\/login/, 'no login page for residents')
      assert.equal((await p.getByTestId('public-grid-name').innerText()).trim(), g.name)
      assert.equal((await p.getByTestId('public-grid-code').innerText()).trim(), g.code)
      const chain = await p.getByTestId('public-chain').innerText()
      for (const a of detail.ancestors) assert.ok(chain.includes(a.name), `the chain names ${a.name}: ${chain}`)
      const body = await p.locator('body').innerText()
      assert.match(body, /您所在的网格/)
      for (const s of detail.staff ?? []) assert.ok(body.includes(s.display_name), `staff ${s.display_name} shown`)
      assert.match(await p.getByTestId('public-report-soon').innerText(), /上报诉求/)
      assert.equal(await p.locator('input, textarea, form').count(), 0, 'no (fake) report form')
      // the resident's page must not leak usernames
      for (const s of detail.staff ?? []) assert.ok(!body.includes(s.username), `username ${s.username} not shown`)
      await shotOf(p, 'public-grid')

      await p.goto(`${base}/r/${g.code.slice(0, -2)}99`)
      await p.getByTestId('public-invalid').waitFor()
      assert.match(await p.getByTestId('public-invalid').innerText(), /二维码无效或网格已调整/)
    } finally {
      await context.close()
    }
  })

  test('the map draws every grid of the admin scope; clicking a grid opens it', async () => {
    const p = await loginPage('admin')
    try {
      await p.getByTestId('menu-map').click()
      await p.waitForURL(/\/map$/)
      await mapReady(p)
      const fc = await p.evaluate(async () => (await fetch('/api/v1/grids.geojson?kind=grid')).json())
      assert.ok(fc.features.length > 100, `the demo district has its grids: ${fc.features.length}`)
      const drawn = await p.locator('path.leaflet-interactive[data-grid-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-grid-id')))
      assert.equal(drawn.length, fc.features.length, 'one path per grid')
      assert.deepEqual([...drawn].sort(), fc.features.map((f) => String(f.properties.id)).sort())
      // community outlines are drawn too, not clickable
      const communities = await p.evaluate(async () => (await fetch('/api/v1/grids.geojson?kind=community')).json())
      assert.equal(await p.locator('path.leaflet-interactive').count(), fc.features.length, 'only grids are interactive')
      assert.ok((await p.locator('.leaflet-overlay-pane path').count()) >= fc.features.length + communities.features.length)

      // the coverage panel: each figure with its fraction, as the API says
      const nodeId = await p.getByTestId('grid-map').getAttribute('data-node-id')
      const cov = await p.evaluate(async (id) => (await fetch(`/api/v1/coverage?node=${id}`)).json(), nodeId)
      await p.locator(`[data-testid=coverage-panel][data-node-id="${nodeId}"]`).waitFor()
      for (const f of cov.figures) {
        const box = p.getByTestId(`figure-${f.key}`)
        const frac = (await box.getByTestId('figure-fraction').innerText()).replace(/,/g, '')
        assert.equal(frac, `${f.numerator} / ${f.denominator}`, f.key)
        assert.equal((await box.getByTestId('figure-value').innerText()).trim(), `${Math.round(f.value * 1000) / 10}%`, f.key)
        assert.ok((await box.innerText()).includes(f.formula), `formula of ${f.key}`)
      }
      await shotOf(p, 'map-admin')

      // colour by households: the grids drawn in the "in range" colour are those the server counts in range
      await p.getByTestId('map-colour').click()
      await p.locator('.el-select-dropdown__item', { hasText: '户数' }).click()
      await p.locator('[data-testid=grid-map][data-colour=households]').waitFor()
      const inRange = cov.grids.filter((g) => g.households_in_range).length
      const fills = await p.locator('path[data-grid-id]').evaluateAll((els) => els.map((e) => e.getAttribute('fill')))
      const inFill = fills.filter((f) => f === '#3aa55b').length
      assert.equal(inFill, inRange, 'grids coloured as in range')
      assert.match(await p.getByTestId('map-legend').innerText(), new RegExp(`${cov.households_min}–${cov.households_max} 户\\s*${inRange}`))
      await shotOf(p, 'map-households')

      // a real click on a grid opens its node page
      const g = fc.features.find((f) => f.properties.area_m2 > 0)?.properties ?? fc.features[0].properties
      const pt = await interiorPoint(p, g.id)
      assert.ok(pt, `grid ${g.code} is visible and clickable`)
      await p.mouse.click(pt.x, pt.y)
      await p.waitForURL(new RegExp(`/nodes/${g.id}$`))
      await p.getByTestId('node-name').waitFor()
      assert.equal((await p.getByTestId('node-name').innerText()).trim(), g.name)
      // a grid's page shows its QR code, which really is an image
      const img = p.getByTestId('node-qr-img')
      await img.waitFor()
      await p.waitForFunction(() => document.querySelector('[data-testid=node-qr-img]')?.complete)
      assert.ok((await img.evaluate((i) => i.naturalWidth)) > 0, 'the QR code image loaded')
      assert.equal(await p.getByTestId('node-qr-download').getAttribute('download'), `${g.code}.svg`)
    } finally {
      await p.context().close()
    }
  })

  test('the map search finds a grid by its pinyin initials; clicks outside grids locate', async () => {
    const p = await loginPage('admin')
    try {
      await p.goto(`${base}/map`)
      await mapReady(p)
      const fc = await p.evaluate(async () => (await fetch('/api/v1/grids.geojson?kind=grid')).json())
      // the westernmost grid: left of it there is no grid
      let west = null
      let minLng = Infinity
      for (const f of fc.features) {
        const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates
        for (const poly of polys) for (const [lng] of poly[0]) if (lng < minLng) [minLng, west] = [lng, f.properties]
      }
      const node = await p.evaluate(async (id) => (await fetch(`/api/v1/nodes/${id}`)).json(), west.id)
      const initials = node.initials.split(' ')[0]
      await p.getByTestId('map-search').fill(initials)
      const option = p.locator('.el-autocomplete-suggestion li', { hasText: west.code })
      await option.waitFor()
      await option.click()
      await p.locator(`path[data-grid-id="${west.id}"][data-selected=true]`).waitFor()

      // locate mode: a click on the grid tells which grid it is, with its staff
      await p.getByTestId('map-locate').click()
      const inside = await interiorPoint(p, west.id)
      assert.ok(inside)
      await p.mouse.click(inside.x, inside.y)
      const found = p.locator(`[data-testid=locate-popup][data-grid-id="${west.id}"]`)
      await found.waitFor()
      const text = await found.innerText()
      assert.ok(text.includes(west.name) && text.includes(west.code), text)
      for (const s of node.staff ?? []) assert.ok(text.includes(s.display_name), `staff ${s.display_name} in the popup`)
      assert.match(p.url(), /\/map/, 'locate mode does not leave the map')
      await shotOf(p, 'map-locate')
      await p.getByTestId('map-locate').click()

      // a click just west of the westernmost grid: in no grid, and the grid is offered as the nearest
      await settled(p, west.id)
      const edge = await p.evaluate((id) => {
        const path = document.querySelector(`path[data-grid-id="${id}"]`)
        const r = path.getBoundingClientRect()
        const inv = path.getScreenCTM().inverse()
        for (let y = r.top + 1; y < r.bottom; y += 2) {
          const q = new DOMPoint(r.left + 1, y).matrixTransform(inv)
          if (path.isPointInFill(q)) return { x: r.left - 25, y }
        }
        return null
      }, String(west.id))
      assert.ok(edge)
      await p.mouse.click(edge.x, edge.y)
      const offer = p.locator(`[data-testid=locate-popup][data-nearest-id="${west.id}"]`)
      await offer.waitFor()
      const offerText = await offer.innerText()
      assert.match(offerText, /此处不在任何网格内/)
      assert.ok(offerText.includes(west.name), offerText)
      assert.match(offerText, /约 \d+ 米/)
      await p.keyboard.press('Escape')

      // the area selector: one street of the district; the map and the URL follow
      const root = await p.getByTestId('grid-map').getAttribute('data-node-id')
      const streets = await p.evaluate(async (id) => (await fetch(`/api/v1/nodes?parent=${id}`)).json(), root)
      const street = streets.items.find((n) => n.kind === 'street')
      assert.ok(street, 'the district has a street')
      await p.locator('.el-select[data-testid=map-scope]').click()
      await p.locator('.el-tree .el-tree-node__expand-icon').first().click()
      await p.locator('.el-tree .el-select-dropdown__item', { hasText: street.name }).click()
      await mapReady(p, street.id)
      assert.match(p.url(), new RegExp(`[?&]node=${street.id}(&|$)`))
      const sfc = await p.evaluate(async (id) => (await fetch(`/api/v1/grids.geojson?kind=grid&within=${id}`)).json(), street.id)
      assert.ok(sfc.features.length > 0 && sfc.features.length < fc.features.length)
      assert.equal(await p.locator('path[data-grid-id]').count(), sfc.features.length)
      const panel = p.locator(`[data-testid=coverage-panel][data-node-id="${street.id}"]`)
      await panel.waitFor()
      assert.ok((await panel.innerText()).includes(street.name))
    } finally {
      await p.context().close()
    }
  })

  test('community1 sees only the grids of its own community', async () => {
    const admin = await apiLogin('admin')
    const c1 = await apiLogin('community1')
    const grant = communityGrant(c1.me)
    const community = await apiGet(admin.token, `/nodes/${grant.node_id}`)
    const expected = await apiGet(admin.token, `/grids.geojson?kind=grid&within=${grant.node_id}`)
    const all = await apiGet(admin.token, '/grids.geojson?kind=grid')
    assert.ok(expected.features.length > 0 && expected.features.length < all.features.length)

    const p = await loginPage('community1')
    try {
      // from the community's page: the QR sheet of its grids, and the map
      await p.goto(`${base}/nodes/${grant.node_id}`)
      const sheetLink = p.getByTestId('node-qr-sheet')
      await sheetLink.waitFor()
      assert.equal(await sheetLink.getAttribute('target'), '_blank')
      const [sheet] = await Promise.all([p.waitForEvent('popup'), sheetLink.click()])
      await sheet.waitForLoadState()
      assert.equal(await sheet.locator('.card svg').count(), expected.features.length, 'one QR code per grid')
      await sheet.close()
      await p.getByTestId('node-view-on-map').click()
      await mapReady(p, grant.node_id)
      assert.match(p.url(), new RegExp(`/map\\?node=${grant.node_id}$`))
      // the menu entry shows the same: the scope of community1 is its community
      await p.getByTestId('menu-map').click()
      await p.waitForURL(/\/map$/)
      await mapReady(p, grant.node_id)
      const drawn = await p.locator('path.leaflet-interactive[data-grid-id]').evaluateAll((els) =>
        els.map((e) => [e.getAttribute('data-grid-id'), e.getAttribute('data-grid-code')]),
      )
      assert.deepEqual(drawn.map((d) => d[0]).sort(), expected.features.map((f) => String(f.properties.id)).sort())
      for (const [, code] of drawn) assert.ok(code.startsWith(community.code), `${code} is in ${community.code}`)
      const panel = p.locator(`[data-testid=coverage-panel][data-node-id="${grant.node_id}"]`)
      await panel.waitFor()
      assert.ok((await panel.innerText()).includes(community.name), 'the coverage is the community’s')
      await shotOf(p, 'map-community1')
      // community staff may import boundaries
      assert.equal(await p.getByTestId('menu-map-import').count(), 1)
    } finally {
      await p.context().close()
    }
  })

  test('a grid worker sees the map but not the import', async () => {
    const p = await loginPage('grid1')
    try {
      assert.equal(await p.getByTestId('menu-map').count(), 1)
      assert.equal(await p.getByTestId('menu-map-import').count(), 0, 'no import entry for a grid worker')
      await p.goto(`${base}/map/import`)
      await p.getByTestId('import-not-allowed').waitFor()
      assert.equal(await p.getByTestId('import-file').count(), 0)
    } finally {
      await p.context().close()
    }
  })

  test('the import dry run names a self-intersecting feature; a valid file is imported', async () => {
    const c1 = await apiLogin('community1')
    const grant = communityGrant(c1.me)
    const community = await apiGet(c1.token, `/nodes/${grant.node_id}`)
    const sq = (x, y, d) => [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]
    const bowtie = (x, y, d) => [[[x, y], [x + d, y + d], [x + d, y], [x, y + d], [x, y]]]
    const file = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { code: `${community.code}97`, name: '测试方块网格', parent_code: community.code }, geometry: { type: 'Polygon', coordinates: sq(110.70, 32.50, 0.001) } },
        { type: 'Feature', properties: { code: `${community.code}98`, name: '测试蝴蝶网格', parent_code: community.code }, geometry: { type: 'Polygon', coordinates: bowtie(110.70, 32.51, 0.002) } },
      ],
    }
    const p = await loginPage('community1')
    try {
      await p.getByTestId('menu-map-import').click()
      await p.waitForURL(/\/map\/import$/)
      await p.getByTestId('import-file').setInputFiles({ name: 'bowtie.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(file)) })
      await p.locator('[data-testid=import-file-name]', { hasText: 'bowtie.geojson' }).waitFor()
      assert.ok(await p.getByTestId('import-run').isDisabled(), 'no import before a check')
      await p.getByTestId('import-dry-run').click()
      const table = p.getByTestId('import-errors')
      await table.waitFor()
      const rows = table.locator('.el-table__body tr')
      assert.equal(await rows.count(), 1, 'one feature error')
      const row = await rows.first().innerText()
      assert.match(row, /^\s*2\s/, `the second feature: ${row}`)
      // the feature's code and name in their own columns (the server's message names them too)
      assert.equal((await table.getByTestId('import-error-code').innerText()).trim(), `${community.code}98`)
      assert.equal((await table.getByTestId('import-error-name').innerText()).trim(), '测试蝴蝶网格')
      assert.match(row, /自相交/)
      assert.equal(await table.getByTestId('import-error-rule').getAttribute('data-rule'), 'self_intersection')
      assert.ok(await p.getByTestId('import-run').isDisabled(), 'no import after a failed check')
      // the file is drawn, the bad feature in red
      const preview = p.getByTestId('import-preview-map')
      await preview.waitFor()
      assert.equal(await preview.getAttribute('data-feature-count'), '2')
      assert.equal(await p.locator('path[data-bad=true][data-feature-index="1"]').count(), 1)
      await shotOf(p, 'import-self-intersection')

      // a valid file: the boundary of one of the community's grids, as exported (one that passes)
      const exported = await apiGet(c1.token, `/grids.geojson?kind=grid&within=${grant.node_id}`)
      let good = null
      for (const f of exported.features) {
        const text = JSON.stringify({ type: 'FeatureCollection', features: [f] })
        const [status, rep] = await apiImport(c1.token, text, true)
        if (status === 200 && rep.valid) {
          good = { text, f }
          break
        }
      }
      assert.ok(good, 'some grid of the community re-imports cleanly')
      await p.getByTestId('import-file').setInputFiles({ name: 'one-grid.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(good.text) })
      await p.locator('[data-testid=import-file-name]', { hasText: 'one-grid.geojson' }).waitFor()
      await p.getByTestId('import-dry-run').click()
      await p.locator('[data-testid=import-verdict][data-valid=true]').waitFor()
      assert.match(await p.getByTestId('import-summary').innerText(), /更新边界 1 个/)
      assert.ok(await p.getByTestId('import-run').isEnabled(), 'import enabled after a passing check')
      await p.getByTestId('import-run').click()
      await p.locator('.el-message-box__btns .el-button--primary').click()
      await p.getByTestId('import-written').waitFor()
      assert.match(await p.getByTestId('import-written').innerText(), /已导入（数据版本 \d+）/)
      await shotOf(p, 'import-written')
    } finally {
      await p.context().close()
    }
  })
})
