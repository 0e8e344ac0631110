// Who is logged in. GET /api/v1/me on start decides; the session itself is the cookie.
import { reactive } from 'vue'
import { ApiError, getMe } from './api'
import type { Id, Me } from './api/types'

export const session = reactive({
  me: null as Me | null,
  checked: false,
})

let pending: Promise<Me | null> | null = null

export function ensureSession(): Promise<Me | null> {
  if (session.checked) return Promise.resolve(session.me)
  if (!pending) {
    pending = getMe()
      .then((me) => me)
      .catch((e) => {
        if (!(e instanceof ApiError) || e.status !== 401) console.warn('redgrid: /me failed', e)
        return null
      })
      .then((me) => {
        session.me = me
        session.checked = true
        pending = null
        return me
      })
  }
  return pending
}

export function setSession(me: Me | null) {
  session.me = me
  session.checked = true
}

/** Reads /me again: after a 403 a role may have been taken away since the page was loaded. */
export async function refreshSession(): Promise<void> {
  try {
    setSession(await getMe())
  } catch {
    /* keep what we have; the next page load asks again */
  }
}

export const sameId = (a: Id | null | undefined, b: Id | null | undefined) =>
  a !== null && a !== undefined && b !== null && b !== undefined && String(a) === String(b)

export function hasRole(me: Me | null, role: string): boolean {
  return !!me?.roles?.some((g) => g.role === role)
}

/** Roles that may change the trees (the server has the last word and may answer 403). */
export const EDIT_ROLES = ['district_admin', 'street_operator', 'community_staff']

/** True when one of the user's editing roles is held at the node or one of its ancestors. */
export function canEditNode(me: Me | null, node: { id: Id; ancestors?: { id: Id }[] }): boolean {
  if (!me) return false
  const chain = [...(node.ancestors ?? []).map((a) => a.id), node.id]
  return me.roles.some(
    (g) => EDIT_ROLES.includes(g.role) && g.node_id != null && chain.some((id) => sameId(id, g.node_id)),
  )
}

export function canEditAnything(me: Me | null): boolean {
  return !!me?.roles?.some((g) => EDIT_ROLES.includes(g.role))
}
