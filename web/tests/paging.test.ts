import { describe, expect, it } from 'vitest'
import type { Case, CaseDepartment, Me } from '../src/api/types'
import { countLabel, useCasePages } from '../src/cases/paging'
import { fetchPages, inboxDue } from '../src/cases/queue'

// The paged case lists (inbox, phone list, dispatch board): what a user relies on is that reading
// on to the end shows every case once, in the server's order, that a page answering late never
// mixes into a list reloaded meanwhile, and that the tab counts say when more follow.

type C = { id: number; due: number }

/** A server's keyset pages over `all` (sorted by due, then id): the cases after `after`. */
function server(all: C[]) {
  const calls: { limit: number; after: C | null }[] = []
  const page = async (limit: number, after: C | null) => {
    calls.push({ limit, after })
    const rest = after ? all.filter((c) => c.due > after.due || (c.due === after.due && c.id > after.id)) : all
    return rest.slice(0, limit)
  }
  return { page, calls, all }
}
const sorted = (cs: C[]) => [...cs].sort((a, b) => a.due - b.due || a.id - b.id)
const cases = (n: number) => sorted(Array.from({ length: n }, (_, i) => ({ id: i + 1, due: Math.floor(i / 3) })))

/** A promise settled by hand: an answer that arrives when the test says. */
function deferred<T>() {
  let resolve!: (v: T) => void
  const p = new Promise<T>((r) => (resolve = r))
  return { p, resolve }
}

describe('a paged case list', () => {
  it('reads page after page to the end: every case once, in order, and then says so', async () => {
    const s = server(cases(23))
    const l = useCasePages<C>(s.page, 10)
    await l.load(false)
    expect(l.items.value.map((c) => c.id)).toEqual(s.all.slice(0, 10).map((c) => c.id))
    expect(l.more.value).toBe(true)
    expect(countLabel(l)).toBe('10+')
    await l.loadMore()
    await l.loadMore()
    expect(l.items.value.map((c) => c.id)).toEqual(s.all.map((c) => c.id))
    expect(l.more.value).toBe(false)
    expect(countLabel(l)).toBe('23')
    // each request continued after the last case shown (a keyset, not an offset)
    expect(s.calls.map((c) => c.after?.id ?? null)).toEqual([null, s.all[9].id, s.all[19].id])
    const calls = s.calls.length
    await l.loadMore() // nothing more: no request
    expect(s.calls.length).toBe(calls)
  })

  it('a case added before the cursor between two pages neither repeats nor hides another', async () => {
    const s = server(cases(12))
    const l = useCasePages<C>(s.page, 5)
    await l.load(false)
    s.all.unshift({ id: 99, due: -1 }) // dispatched meanwhile, more urgent than all
    await l.loadMore()
    await l.loadMore()
    const ids = l.items.value.map((c) => c.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toEqual(cases(12).map((c) => c.id))
    await l.load() // a refresh shows it on top, as many as were shown, and one more to come
    expect(l.items.value[0].id).toBe(99)
    expect(l.items.value.length).toBe(12)
    expect(countLabel(l)).toBe('12+')
  })

  it('a refresh reloads as many cases as are shown', async () => {
    const s = server(cases(40))
    const l = useCasePages<C>(s.page, 10)
    await l.load(false)
    await l.loadMore()
    s.calls.length = 0
    await l.load()
    expect(l.items.value.length).toBe(20)
    expect(s.calls).toEqual([{ limit: 21, after: null }])
    await l.load(false) // from the top (new filters): one page again
    expect(l.items.value.length).toBe(10)
  })

  it('drops a next page that answers after the list was reloaded', async () => {
    const s = server(cases(30))
    let hold: ReturnType<typeof deferred<C[]>> | null = null
    const page = (limit: number, after: C | null) => (hold && after ? hold.p : s.page(limit, after))
    const l = useCasePages<C>(page, 10)
    await l.load(false)
    hold = deferred<C[]>()
    const late = l.loadMore()
    expect(l.loadingMore.value).toBe(true)
    await l.load(false) // e.g. the filters changed
    hold.resolve(s.all.slice(10, 21))
    await late
    expect(l.items.value.map((c) => c.id)).toEqual(s.all.slice(0, 10).map((c) => c.id))
    expect(l.loadingMore.value).toBe(false)
  })

  it('keeps what is shown when the next page fails, and retries from the same place', async () => {
    const s = server(cases(15))
    let fail = false
    const l = useCasePages<C>((limit, after) => (fail ? Promise.reject(new Error('offline')) : s.page(limit, after)), 10)
    await l.load(false)
    fail = true
    await l.loadMore()
    expect(l.error.value).toBeInstanceOf(Error)
    expect(l.items.value.length).toBe(10)
    expect(l.more.value).toBe(true)
    fail = false
    await l.loadMore()
    expect(l.error.value).toBeNull()
    expect(l.items.value.map((c) => c.id)).toEqual(s.all.map((c) => c.id))
  })

  it('fetchPages takes the cursor the page fetcher derives from the last case', async () => {
    const s = server(cases(7))
    const r = await fetchPages<C, C>(s.page, 4)
    expect(r.last).toEqual(s.all[3])
    const rest = await fetchPages<C, C>(s.page, 4, r.last)
    expect(rest.items.map((c) => c.id)).toEqual(s.all.slice(4).map((c) => c.id))
    expect(rest.more).toBe(false)
  })
})

describe('the inbox cursor', () => {
  const dept = (org_id: number, state: string, accept_due: string | null, handle_due: string | null = null): CaseDepartment => ({
    org_id, name: `部门${org_id}`, role: 'lead', state, dispatched_at: '2026-11-23T01:00:00Z', accept_due, accepted_at: null, handle_due, handled_at: null,
  })
  const me = (...orgs: number[]): Me => ({
    id: 1, username: 'd', display_name: 'D',
    roles: [{ id: 9, role: 'community_staff', node_id: 3, org_id: null }, ...orgs.map((o, i) => ({ id: i, role: 'department_staff', node_id: null, org_id: o }))],
  })
  const kase = (departments: CaseDepartment[]) => ({ departments }) as Pick<Case, 'departments'>

  it("is the user's department's running deadline: to accept, then to handle", () => {
    expect(inboxDue(me(5), kase([dept(4, 'dispatched', '2026-11-23T02:00:00Z'), dept(5, 'dispatched', '2026-11-23T03:00:00Z')]))).toBe('2026-11-23T03:00:00Z')
    expect(inboxDue(me(5), kase([dept(5, 'accepted', '2026-11-23T03:00:00Z', '2026-11-25T09:00:00Z')]))).toBe('2026-11-25T09:00:00Z')
  })
  it('is the earliest of several departments of the user (as the server orders), none when none runs', () => {
    const c = kase([dept(5, 'accepted', null, '2026-11-25T09:00:00Z'), dept(6, 'dispatched', '2026-11-24T01:00:00+08:00')])
    expect(inboxDue(me(5, 6), c)).toBe('2026-11-24T01:00:00+08:00')
    expect(inboxDue(me(5), kase([dept(5, 'handled', 'x', 'y')]))).toBeNull()
    expect(inboxDue(me(7), c)).toBeNull()
    expect(inboxDue(null, c)).toBeNull()
  })
})
