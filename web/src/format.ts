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

/**
 * History old/new values: scalars as they are; an object as `label: value` pairs (labels and values
 * through the optional callbacks); an empty object as ''.
 */
export function formatValue(
  v: unknown,
  label: (key: string) => string = (k) => k,
  value: (key: string, v: unknown) => string = (_k, x) => formatValue(x),
): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) return v.map((x) => formatValue(x)).join(', ')
  if (typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${label(k)}: ${value(k, x)}`)
      .join('；')
  }
  return String(v)
}

/** Converts a typed id back to the JSON type the server uses (like the sample id). */
export function coerceId(input: string | number, sample: unknown): string | number {
  if (typeof input === 'number') return typeof sample === 'string' ? String(input) : input
  const s = input.trim()
  if (typeof sample === 'number' && /^\d+$/.test(s)) return Number(s)
  return s
}

/**
 * A time the Chinese way with a 24-hour clock: 2026年11月23日 14:05 (zh-CN) or 2026-11-23 14:05
 * (en); `short` leaves out the year when it is the current one (11月24日 10:00).
 */
export function formatTime(v: string | null | undefined, locale = 'zh-CN', opts: { short?: boolean; now?: Date } = {}): string {
  if (!v) return ''
  const d = new Date(v)
  if (Number.isNaN(d.getTime())) return v
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`
  const sameYear = d.getFullYear() === (opts.now ?? new Date()).getFullYear()
  if (locale.startsWith('en')) {
    const md = `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
    return `${opts.short && sameYear ? md : `${d.getFullYear()}-${md}`} ${hm}`
  }
  const md = `${d.getMonth() + 1}月${d.getDate()}日`
  return `${opts.short && sameYear ? md : `${d.getFullYear()}年${md}`} ${hm}`
}
