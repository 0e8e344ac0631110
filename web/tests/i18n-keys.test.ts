import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import zhCN from '../src/i18n/zh-CN'

// Every literal key the UI passes to t() must exist (the parity test only compares the two files).
function flatten(obj: unknown, prefix = ''): string[] {
  return Object.entries(obj as Record<string, unknown>).flatMap(([k, v]) =>
    v && typeof v === 'object' ? flatten(v, prefix ? `${prefix}.${k}` : k) : [prefix ? `${prefix}.${k}` : k],
  )
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    if (statSync(p).isDirectory()) return sources(p)
    return /\.(vue|ts)$/.test(f) ? [p] : []
  })
}

describe('i18n keys used in the code', () => {
  it('exist in zh-CN', () => {
    const known = new Set(flatten(zhCN))
    const src = fileURLToPath(new URL('../src/', import.meta.url))
    const missing: string[] = []
    let used = 0
    for (const f of sources(src)) {
      for (const m of readFileSync(f, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z][\w.]*)'/g)) {
        used++
        if (!known.has(m[1])) missing.push(`${f.slice(src.length)}: ${m[1]}`)
      }
    }
    expect(used).toBeGreaterThan(300)
    expect(missing).toEqual([])
  })
})
