// The resident's follow link: the page chooses the token (docs/API.md public intake), so a report
// retried after a lost answer gets the same case and the same link, never a second case.

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'

/** A random token of 24 characters (about 140 bits), valid for the API (16–64 of [A-Za-z0-9_-]). */
export function newFollowToken(rnd: (n: number) => Uint8Array = randomBytes): string {
  const b = rnd(24)
  let out = ''
  for (let i = 0; i < 24; i++) out += ALPHABET[b[i] % ALPHABET.length]
  return out
}

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n)
  const c = globalThis.crypto
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(b)
  else for (let i = 0; i < n; i++) b[i] = Math.floor(Math.random() * 256)
  return b
}

export const validFollowToken = (t: string) => /^[A-Za-z0-9_-]{16,64}$/.test(t)

const KEY = 'redgrid.follow'

type Store = Pick<Storage, 'getItem' | 'setItem'>

function store(): Store | undefined {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : undefined
  } catch {
    return undefined
  }
}

export interface Followed {
  token: string
  number: string
  category: string
  at: string
}

/** The reports made from this phone (newest first, at most 20), so the resident finds them again. */
export function followedReports(s: Store | undefined = store()): Followed[] {
  try {
    const v = JSON.parse(s?.getItem(KEY) ?? '[]')
    return Array.isArray(v) ? v.filter((x) => x && validFollowToken(String(x.token))) : []
  } catch {
    return []
  }
}

export function rememberReport(f: Followed, s: Store | undefined = store()) {
  const list = [f, ...followedReports(s).filter((x) => x.token !== f.token)].slice(0, 20)
  try {
    s?.setItem(KEY, JSON.stringify(list))
  } catch {
    /* private mode: the link on the screen is all there is */
  }
}

/**
 * The Idempotency-Key of a form's submissions: the same key while the body is the same (a retry
 * after a lost answer gets the first answer), a new one once the body changed (the server refuses
 * a reused key with another body).
 */
export function retryKeys(newKey: () => string) {
  let last: { body: string; key: string } | null = null
  return {
    keyFor(body: unknown): string {
      const b = JSON.stringify(body)
      if (!last || last.body !== b) last = { body: b, key: newKey() }
      return last.key
    },
    reset() {
      last = null
    },
  }
}
