// Choosing a category: search by name, code, full pinyin or pinyin initials (bllj → 暴露垃圾).
import type { CaseCategory } from '../api/types'

const norm = (s: string) => s.toLowerCase().replace(/\s+/g, '')

/** Whether a category matches the query; `initials` holds space-separated variants (polyphones). */
export function categoryMatches(c: Pick<CaseCategory, 'code' | 'name' | 'pinyin' | 'initials'>, query: string): boolean {
  const q = norm(query)
  if (!q) return true
  if (c.name.includes(query.trim()) || c.code.startsWith(q)) return true
  if (!/^[a-z]+$/.test(q)) return false
  if (c.pinyin && norm(c.pinyin).includes(q)) return true
  // anywhere in the initials: lj finds 暴露垃圾 (bllj) and 积存垃圾渣土 (jcljzt); the list is short
  return (c.initials ?? '').split(/\s+/).some((v) => v && v.includes(q))
}

export interface CategoryGroup {
  major: CaseCategory | undefined
  code: string
  items: CaseCategory[]
}

/**
 * The active minor categories that match, grouped under their major category (in code order). A
 * query matching a major category keeps all of its minor ones.
 */
export function searchCategories(all: readonly CaseCategory[], query: string): CategoryGroup[] {
  const majors = new Map(all.filter((c) => c.code.length === 2).map((c) => [c.code, c]))
  const groups = new Map<string, CategoryGroup>()
  const minors = all.filter((c) => c.code.length === 4 && c.active).sort((a, b) => a.code.localeCompare(b.code))
  for (const c of minors) {
    const major = majors.get(c.code.slice(0, 2))
    if (!(categoryMatches(c, query) || (major && categoryMatches(major, query)))) continue
    const code = c.code.slice(0, 2)
    if (!groups.has(code)) groups.set(code, { major, code, items: [] })
    groups.get(code)!.items.push(c)
  }
  return [...groups.values()]
}
