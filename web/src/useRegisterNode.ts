// The node a register page shows: ?node= in the URL, else the user's own; kept in the URL.
import { ref, watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import type { Id } from './api/types'
import { session } from './session'
import { defaultRegisterNode } from './registers'

export function useRegisterNode() {
  const route = useRoute()
  const router = useRouter()
  const own = defaultRegisterNode(session.me)
  const q = route.query.node
  const node = ref<Id | null>(typeof q === 'string' && /^\d+$/.test(q) ? Number(q) : (own?.id ?? null))
  const known = own ? [{ value: own.id, label: own.name }] : []
  watch(node, (n) => {
    void router.replace({ query: { ...route.query, node: n != null ? String(n) : undefined } })
  })
  return { node, known }
}
