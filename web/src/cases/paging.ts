// Case lists read page by page (the dispatch board, the department's inbox, the grid worker's
// phone list): the first page, 加载更多 / scrolling to the end for the next one after the last case
// loaded (a keyset: the server continues after that case, so a case added or gone meanwhile
// neither repeats nor hides another), and a refresh that reloads as many as are shown.
import { onBeforeUnmount, ref, shallowRef, watch, type Ref } from 'vue'
import type { Id } from '../api/types'
import { appendPage, fetchPages } from './queue'

export interface CasePages<C> {
  /** the cases loaded, in the server's order */
  items: Ref<C[]>
  /** whether the server has cases beyond them */
  more: Ref<boolean>
  loading: Ref<boolean>
  loadingMore: Ref<boolean>
  error: Ref<unknown>
  /** whether the list has been loaded once (its counts mean something) */
  loaded: Ref<boolean>
  /** (Re)loads from the top: one page, or as many cases as are shown when `keep` (a refresh). */
  load: (keep?: boolean) => Promise<void>
  /** The next page after the last case loaded; nothing when there is none or one is loading. */
  loadMore: () => Promise<void>
}

/**
 * A list read in pages of `pageSize`: `fetchPage(limit, after)` asks the server for `limit` cases
 * after the case `after` (null: from the top). An answer that comes after a newer load started
 * is dropped (the newer one wins), so a slow 加载更多 never mixes an old list into a new one.
 */
export function useCasePages<C extends { id: Id }>(fetchPage: (limit: number, after: C | null) => Promise<C[]>, pageSize: number): CasePages<C> {
  const items = shallowRef<C[]>([])
  const more = ref(false)
  const loading = ref(false)
  const loadingMore = ref(false)
  const error = shallowRef<unknown>(null)
  const loaded = ref(false)
  let cursor: C | null = null
  let seq = 0

  async function load(keep = true) {
    const my = ++seq
    loading.value = true
    try {
      const r = await fetchPages<C, C>(fetchPage, keep ? Math.max(pageSize, items.value.length) : pageSize)
      if (my !== seq) return
      items.value = r.items
      more.value = r.more
      cursor = r.last
      error.value = null
      loaded.value = true
    } catch (e) {
      if (my === seq) error.value = e
    } finally {
      if (my === seq) loading.value = false
    }
  }

  async function loadMore() {
    if (!more.value || loadingMore.value || loading.value) return
    const my = seq
    loadingMore.value = true
    try {
      const r = await fetchPages<C, C>(fetchPage, pageSize, cursor)
      if (my !== seq) return // a reload came meanwhile: its answer wins
      items.value = appendPage(items.value, r.items)
      more.value = r.more
      cursor = r.last
      error.value = null
    } catch (e) {
      if (my === seq) error.value = e
    } finally {
      loadingMore.value = false
    }
  }

  return { items, more, loading, loadingMore, error, loaded, load, loadMore }
}

/** A tab's count: the number loaded, with + when the server has more (待签收（50+）). */
export const countLabel = (p: Pick<CasePages<unknown>, 'items' | 'more'>): string => `${p.items.value.length}${p.more.value ? '+' : ''}`

/**
 * Infinite scroll: whether the element `target` (a mark after the last card) is in view now. The
 * page loads the next page while it is (and the server has more), so a page too short to push the
 * mark out of view is followed by the next at once. `recheck` forgets what was seen and asks again
 * (after the list under the mark was replaced, e.g. another tab: its answer comes with the next
 * frame). Without IntersectionObserver (old browsers) it stays false: the page keeps its 加载更多
 * button.
 */
export function useVisible(target: Ref<HTMLElement | null>): { visible: Ref<boolean>; recheck: () => void } {
  const visible = ref(false)
  if (typeof IntersectionObserver === 'undefined') return { visible, recheck: () => {} }
  const io = new IntersectionObserver((entries) => {
    for (const e of entries) visible.value = e.isIntersecting
  })
  const observe = (el: HTMLElement | null, old?: HTMLElement | null) => {
    if (old) io.unobserve(old)
    visible.value = false
    if (el) io.observe(el)
  }
  watch(target, (el, old) => observe(el, old), { immediate: true })
  onBeforeUnmount(() => io.disconnect())
  return { visible, recheck: () => observe(target.value, target.value) }
}
