// Dates the Chinese way: YYYY-MM-DD, times YYYY-MM-DD HH:mm (local time).

const pad = (n: number) => String(n).padStart(2, '0')

/** A `YYYY-MM-DD` date or an RFC 3339 time shown as a date; '' for empty. */
export function formatDate(v: string | null | undefined): string {
  if (!v) return ''
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return v
  const d = new Date(v)
  if (Number.isNaN(d.getTime())) return v
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** An RFC 3339 time as local `YYYY-MM-DD HH:mm`. */
export function formatDateTime(v: string | null | undefined): string {
  if (!v) return ''
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return v
  const d = new Date(v)
  if (Number.isNaN(d.getTime())) return v
  return `${formatDate(v)} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** History old/new values: strings as they are, objects as compact JSON. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  try {
    return JSON.stringify(v)
  } catch {
    return String(v)
  }
}

/** Converts a typed id back to the JSON type the server uses (like the sample id). */
export function coerceId(input: string | number, sample: unknown): string | number {
  if (typeof input === 'number') return typeof sample === 'string' ? String(input) : input
  const s = input.trim()
  if (typeof sample === 'number' && /^\d+$/.test(s)) return Number(s)
  return s
}
