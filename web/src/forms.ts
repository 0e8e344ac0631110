// Turning API failures into what a form shows.
import { ApiError } from './api/client'
import { localizedFieldErrors, problemMessage, type LocalizeOptions } from './problems'

type T = (key: string, named?: Record<string, unknown>) => string

export interface FormFailure {
  /** field → message, from the problem document's errors[] (localized by rule) */
  fieldErrors: Record<string, string>
  /** one line for an el-alert; '' when the conflict banner says it all */
  message: string
  /** 412: someone else changed the record; reload before editing */
  conflict: boolean
}

export function describeFailure(e: unknown, t: T, opts: LocalizeOptions = {}): FormFailure {
  if (!(e instanceof ApiError)) return { fieldErrors: {}, message: t('errors.generic'), conflict: false }
  const fieldErrors = localizedFieldErrors(t, e.problem, opts)
  if (e.status === 412) return { fieldErrors, message: '', conflict: true }
  return { fieldErrors, message: problemMessage(t, e, opts), conflict: false }
}

/** Field errors whose field has no form item of its own (shown as a list). */
export function extraErrors(errs: Record<string, string>, shown: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(errs)) if (!shown.includes(k)) out[k] = v
  return out
}

