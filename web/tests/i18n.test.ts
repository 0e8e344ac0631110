import { describe, expect, it } from 'vitest'
import zhCN from '../src/i18n/zh-CN'
import en from '../src/i18n/en'
import { i18n, initialLocale, LOCALE_STORAGE_KEY } from '../src/i18n'
import { CHANGE_KINDS, NODE_KINDS, ORG_KINDS, PARTY_KINDS, ROLES } from '../src/api/types'

function flatten(obj: unknown, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (v && typeof v === 'object') Object.assign(out, flatten(v, key))
    else out[key] = v
  }
  return out
}

const zh = flatten(zhCN)
const enFlat = flatten(en)

describe('i18n messages', () => {
  it('the app starts in zh-CN', () => {
    expect(i18n.global.locale.value).toBe('zh-CN')
  })

  it('zh-CN and en have exactly the same keys', () => {
    const a = Object.keys(zh).sort()
    const b = Object.keys(enFlat).sort()
    expect(a.filter((k) => !b.includes(k))).toEqual([])
    expect(b.filter((k) => !a.includes(k))).toEqual([])
    expect(a.length).toBeGreaterThan(100)
  })

  it('every message is a non-empty string', () => {
    for (const [k, v] of [...Object.entries(zh), ...Object.entries(enFlat)]) {
      expect(typeof v, k).toBe('string')
      expect((v as string).trim().length, k).toBeGreaterThan(0)
    }
  })

  it('placeholders match between the languages', () => {
    const ph = (s: unknown) => [...String(s).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
    for (const k of Object.keys(zh)) expect(ph(enFlat[k]), k).toEqual(ph(zh[k]))
  })

  it('every message compiles and renders in both locales', () => {
    const g = i18n.global
    try {
      for (const loc of ['zh-CN', 'en'] as const) {
        g.locale.value = loc
        for (const k of Object.keys(zh)) {
          const out = g.t(k, {
            ...{ date: '2025-01-31', seconds: 30, name: 'N', role: 'R', place: 'P' },
            ...{ field: 'F', message: 'M', list: 'L', n: 2, count: 3, id: 'I', min: 1, max: 9, code: 'C', kind: 'K', parent: 'P', node: 'N' },
            ...{ d: 1, h: 2, m: 3, time: 'T', lng: 110.1, lat: 32.2, size: '11 MB', action: 'A', number: 'No', state: 'S' },
          })
          expect(out, `${loc}:${k}`).not.toBe(k)
          expect(out, `${loc}:${k}`).not.toMatch(/\{\w+\}/)
        }
      }
    } finally {
      g.locale.value = 'zh-CN'
    }
  })

  it('has a label for every enumeration value of the API', () => {
    for (const [group, values] of [
      ['kinds.node', NODE_KINDS],
      ['kinds.party', PARTY_KINDS],
      ['kinds.org', ORG_KINDS],
      ['roles', ROLES],
      ['changes', CHANGE_KINDS],
    ] as const) {
      for (const v of values) {
        expect(zh[`${group}.${v}`], `zh ${group}.${v}`).toBeTruthy()
        expect(enFlat[`${group}.${v}`], `en ${group}.${v}`).toBeTruthy()
      }
    }
  })

  it('the forbidden texts are the ones tests look for', () => {
    expect(zh['errors.forbiddenTitle']).toBe('无权访问')
    expect(enFlat['errors.forbiddenTitle']).toBe('Access denied')
  })
})

describe('locale choice', () => {
  const store = (v: string | null) => ({ getItem: (k: string) => (k === LOCALE_STORAGE_KEY ? v : null) })
  it('is Chinese by default', () => {
    expect(initialLocale(store(null))).toBe('zh-CN')
    expect(initialLocale(undefined)).toBe('zh-CN')
  })
  it('keeps a saved choice and ignores junk', () => {
    expect(initialLocale(store('en'))).toBe('en')
    expect(initialLocale(store('zh-CN'))).toBe('zh-CN')
    expect(initialLocale(store('fr'))).toBe('zh-CN')
  })
})
