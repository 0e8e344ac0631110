import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError, type Problem } from '../src/api/client'
import { i18n } from '../src/i18n'
import zhCN from '../src/i18n/zh-CN'
import en from '../src/i18n/en'
import { describeFailure } from '../src/forms'
import {
  FIELD_RULES,
  PARTY_FIELD_LABELS,
  PROBLEM_KINDS,
  fieldLabel,
  fieldMessage,
  localizedFieldErrors,
  problemKind,
  problemMessage,
  problemSummary,
} from '../src/problems'

const g = i18n.global
const t = (k: string, named?: Record<string, unknown>) => g.t(k, named ?? {})
const zh = { locale: 'zh-CN' }
const english = { locale: 'en' }
const CJK = /[\u4e00-\u9fff]/

afterEach(() => {
  g.locale.value = 'zh-CN'
})

const invalid = (errors: Problem['errors'], detail?: string) =>
  new ApiError({ type: 'urn:redgrid:problem:invalid', title: 'Bad Request', status: 400, detail, errors })

describe('field errors by rule', () => {
  it('a known rule gets the Chinese text in zh-CN', () => {
    const e = { field: 'name', rule: 'required', message: 'name must not be empty' }
    expect(fieldMessage(t, e, zh)).toBe('不能为空')
    const f = describeFailure(invalid([e], 'name must not be empty'), t, zh)
    expect(f.fieldErrors).toEqual({ name: '不能为空' })
    expect(f.message).toBe('名称：不能为空')
  })

  it('an unknown rule falls back to the server message', () => {
    const e = { field: 'name', rule: 'brand_new_rule', message: 'name breaks a brand new rule' }
    expect(fieldMessage(t, e, zh)).toBe('name breaks a brand new rule')
    expect(fieldMessage(t, { field: 'x', rule: 'brand_new_rule', message: '' }, zh)).toBe('brand_new_rule')
    expect(localizedFieldErrors(t, { status: 400, errors: [e] }, zh)).toEqual({ name: 'name breaks a brand new rule' })
  })

  it('English mode shows the server text, its own only when that is missing', () => {
    g.locale.value = 'en'
    const e = { field: 'code', rule: 'unique', message: 'code 320102 is already used' }
    expect(fieldMessage(t, e, english)).toBe('code 320102 is already used')
    expect(fieldMessage(t, { ...e, message: '' }, english)).toBe('is already used')
    const f = describeFailure(new ApiError({ status: 409, detail: 'code 320102 is already used', errors: [e] }), t, english)
    expect(f.fieldErrors).toEqual({ code: 'code 320102 is already used' })
    expect(f.message).toBe('code 320102 is already used')
  })

  it('follows the app locale when none is given', () => {
    const e = { field: 'username', rule: 'unique', message: 'username is taken' }
    expect(fieldMessage(t, e)).toBe('已被占用')
    g.locale.value = 'en'
    expect(fieldMessage(t, e)).toBe('username is taken')
  })

  it('uses the numbers and kinds in the server message', () => {
    const m = (field: string, rule: string, message: string) => fieldMessage(t, { field, rule, message }, zh)
    expect(m('password', 'min_length', 'password must be at least 8 characters')).toBe('至少 8 个字符')
    expect(m('password', 'max_length', 'password must be at most 128 bytes')).toBe('最多 128 字节')
    expect(m('name', 'max_length', 'name must be at most 100 characters')).toBe('最多 100 个字符')
    expect(m('limit', 'range', 'limit must be an integer from 1 to 500')).toBe('须为 1 到 500 之间的整数')
    expect(m('code', 'code_scheme', "a grid code is its parent's code 320102001 followed by 3 digits")).toBe(
      '须为上级编码 320102001 后接 3 位数字',
    )
    expect(m('code', 'code_scheme', 'something new')).toMatch(/^不符合编码规则/)
    expect(m('parent_id', 'parent_kind', 'a grid (网格) cannot hang under a street (街道)')).toBe('网格不能直接隶属于街道')
    expect(m('parent_id', 'parent_kind', 'a branch cannot hang under a street_committee')).toBe('网格党支部不能直接隶属于街道党工委')
    expect(m('node_id', 'led_node_kind', 'a branch cannot lead a community (社区)')).toBe('网格党支部不能对应社区')
    expect(m('roles[0].node_id', 'role_level', 'grid_worker cannot be held at a street (街道)')).toBe('网格员不能设在街道一级')
    expect(m('username', 'pattern', 'username must be 2-32 characters: …')).toMatch(/^须为 2–32 个字符/)
  })

  it('several errors: the first one and how many more', () => {
    const e = invalid([
      { field: 'name', rule: 'required', message: 'name must not be empty' },
      { field: 'valid_from', rule: 'date', message: 'valid_from must be a date YYYY-MM-DD' },
    ])
    expect(problemMessage(t, e, zh)).toBe('名称：不能为空（另有 1 处问题）')
  })
})

describe('field labels', () => {
  it('are Chinese where one exists, the raw name otherwise', () => {
    expect(fieldLabel(t, 'name')).toBe('名称')
    expect(fieldLabel(t, 'code')).toBe('编码')
    expect(fieldLabel(t, 'parent_id')).toBe('上级节点')
    expect(fieldLabel(t, 'ends_on')).toBe('截止日期')
    expect(fieldLabel(t, 'roles[0].node_id')).toBe('第 1 个角色的节点')
    expect(fieldLabel(t, 'roles[2].role')).toBe('第 3 个角色的角色')
    expect(fieldLabel(t, 'roles.org_id')).toBe('组织')
    expect(fieldLabel(t, 'parent_id', PARTY_FIELD_LABELS)).toBe('上级党组织')
    expect(fieldLabel(t, 'mystery_field')).toBe('mystery_field')
  })
  it('follow the locale', () => {
    g.locale.value = 'en'
    expect(fieldLabel(t, 'parent_id')).toBe('Parent node')
    expect(fieldLabel(t, 'roles[0].node_id')).toBe('Roles 1, Node')
  })
})

describe('problem kinds', () => {
  const p = (kind: string, status: number, detail = 'english detail'): Problem => ({
    type: `urn:redgrid:problem:${kind}`,
    title: 'Title',
    status,
    detail,
  })

  it('come from the type, else the status', () => {
    expect(problemKind(p('conflict', 400))).toBe('conflict')
    expect(problemKind({ status: 412 })).toBe('precondition_failed')
    expect(problemKind({ status: 503, type: 'urn:redgrid:problem:not_ready' })).toBe('internal')
    expect(problemKind({ status: 418 })).toBeUndefined()
  })

  it('each has a Chinese summary in zh-CN', () => {
    for (const k of PROBLEM_KINDS) {
      const s = problemSummary(t, p(k, 400), zh)
      expect(s, k).toMatch(CJK)
      expect(s, k).not.toContain('english detail')
    }
    expect(problemSummary(t, p('rate_limited', 429), zh)).toBe('尝试次数过多，请稍后再试')
    expect(problemSummary(t, p('precondition_failed', 412), zh)).toBe('记录已被他人修改，请刷新后重试')
    expect(problemSummary(t, p('forbidden', 403), zh)).toBe('您无权执行此操作')
  })

  it('401 on the login page means wrong credentials', () => {
    const e = new ApiError(p('unauthorized', 401, 'wrong username or password'))
    expect(problemMessage(t, e, { ...zh, context: 'login' })).toBe('用户名或密码错误')
    expect(problemMessage(t, e, zh)).toBe('未登录或登录已过期，请重新登录')
    expect(problemMessage(t, e, { ...english, context: 'login' })).toBe('wrong username or password')
  })

  it('an unknown kind and status keeps the server text', () => {
    expect(problemSummary(t, { status: 418, type: 'urn:redgrid:problem:teapot', detail: 'short and stout' }, zh)).toBe(
      'short and stout',
    )
    expect(problemSummary(t, { status: 418, title: "I'm a teapot" }, zh)).toBe("I'm a teapot")
  })

  it('English mode shows the server detail, its own text without one', () => {
    g.locale.value = 'en'
    expect(problemSummary(t, p('conflict', 409, 'the user already holds this role there'), english)).toBe(
      'the user already holds this role there',
    )
    expect(problemSummary(t, { status: 429 }, english)).toBe('Too many attempts; try again later')
  })

  it('known details and the request id of a 500', () => {
    expect(problemSummary(t, p('conflict', 409, 'the user already holds this role there'), zh)).toBe('该用户在此处已拥有这个角色')
    const ie = { ...p('internal', 500, 'an internal error occurred'), request_id: 'r-42' }
    expect(problemSummary(t, ie, zh)).toBe('服务器内部错误，请稍后重试（请求编号：r-42）')
  })

  it('network failures and other errors', () => {
    expect(problemMessage(t, new ApiError({ status: 0, title: 'network', detail: 'Failed to fetch' }), zh)).toBe(
      '网络错误，请稍后重试',
    )
    expect(problemMessage(t, new Error('boom'), zh)).toBe('操作失败')
  })
})

describe('messages for every rule and kind', () => {
  const zhRules = zhCN.problems.rules as Record<string, string>
  const enRules = en.problems.rules as Record<string, string>
  const zhKinds = zhCN.problems.kinds as Record<string, string>
  const enKinds = en.problems.kinds as Record<string, string>
  it('both locales have them, and nothing else', () => {
    expect(Object.keys(zhRules).sort()).toEqual([...FIELD_RULES].sort())
    expect(Object.keys(zhKinds).sort()).toEqual([...PROBLEM_KINDS].sort())
    for (const r of FIELD_RULES) {
      expect(zhRules[r], r).toMatch(CJK)
      expect(enRules[r], r).toBeTruthy()
    }
    for (const k of PROBLEM_KINDS) {
      expect(zhKinds[k], k).toMatch(CJK)
      expect(enKinds[k], k).toBeTruthy()
    }
  })

  // The Go server is the source of the rules and kinds; a new one there must get a text here.
  const root = fileURLToPath(new URL('../../', import.meta.url))
  const dirs = ['', 'internal/api', 'internal/sqlstore'].map((d) => join(root, d))
  it('cover every rule and kind the Go code uses', () => {
    expect(dirs.every((d) => existsSync(d)) && existsSync(join(root, 'errors.go')), 'the Go sources are beside web/').toBe(true)
    const rules = new Set<string>()
    const kinds = new Set<string>()
    for (const d of dirs) {
      for (const f of readdirSync(d)) {
        if (!f.endsWith('.go') || f.endsWith('_test.go')) continue
        const src = readFileSync(join(d, f), 'utf8')
        for (const re of [
          /Invalid\([^,()]+(?:\([^()]*\))?[^,()]*,\s*"(\w+)"/g,
          /Rule:\s*"(\w+)"/g,
          /\.Add\([^,()]+,\s*"(\w+)"\s*,/g,
          // the field argument is a name, never a call (a condition's own calls hold commas and quotes)
          /\.Check\([^;]*?,\s*[^,()]+,\s*"(\w+)"\s*,\s*"/g,
        ])
          for (const m of src.matchAll(re)) rules.add(m[1])
        for (const m of src.matchAll(/\bKind\s*(?:redgrid\.Kind\s*)?=\s*"(\w+)"/g)) kinds.add(m[1])
        for (const m of src.matchAll(/redgrid\.Kind = "(\w+)"/g)) kinds.add(m[1])
      }
    }
    expect(rules.size).toBeGreaterThan(30)
    expect([...rules].filter((r) => !(FIELD_RULES as readonly string[]).includes(r))).toEqual([])
    expect(kinds.size).toBeGreaterThanOrEqual(PROBLEM_KINDS.length)
    expect([...kinds].filter((k) => !(PROBLEM_KINDS as readonly string[]).includes(k))).toEqual([])
  })
})
