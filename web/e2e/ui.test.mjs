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

const NO_BIN =
  'REDGRID_BIN is not set. Build the server first, e.g.\n' +
  '  (cd .. && go build -o bin/redgrid ./cmd/redgrid) && REDGRID_BIN=$PWD/../bin/redgrid npm run e2e'

// Without a server binary there is nothing to test against: fail loudly, as one failed test.
test('REDGRID_BIN names the redgrid binary', () => {
  assert.ok(BIN, NO_BIN)
})

describe('redgrid web UI (browser)', { timeout: 180_000, skip: !BIN && 'REDGRID_BIN is not set' }, () => {
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
})
