/** Where to go after login: only same-app paths, never an absolute URL from the query string. */
export function safeRedirect(r: unknown): string {
  const s = Array.isArray(r) ? r[0] : r
  if (typeof s !== 'string' || !s.startsWith('/') || s.startsWith('//') || s.startsWith('/\\')) return '/'
  if (s === '/login' || s.startsWith('/login?') || s.startsWith('/login/')) return '/'
  return s
}
