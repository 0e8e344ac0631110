// Loading one case for a page: the case, the failure to show, and a reload (after a stale 409).
import { computed, ref, shallowRef, watch, type Ref } from 'vue'
import { getCase } from '../api'
import type { Case } from '../api/types'

export function useCase(id: Ref<string> | (() => string)) {
  const c = shallowRef<Case | null>(null)
  const error = shallowRef<unknown>(null)
  const loading = ref(false)
  async function load() {
    const want = typeof id === 'function' ? id() : id.value
    loading.value = true
    try {
      c.value = await getCase(want)
      error.value = null
    } catch (e) {
      error.value = e
      c.value = null
    } finally {
      loading.value = false
    }
  }
  watch(id, load, { immediate: true })
  /** department id → name, for the timeline's dispatch details */
  const deptNames = computed(() => Object.fromEntries((c.value?.departments ?? []).map((d) => [String(d.org_id), d.name])))
  return { c, error, loading, load, deptNames }
}
