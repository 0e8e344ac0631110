// Turning API failures into what a form shows.
import { ApiError } from './api/client'

type T = (key: string, named?: Record<string, unknown>) => string

export interface FormFailure {
  /** field → message, from the problem document's errors[] */
  fieldErrors: Record<string, string>
  /** one line for an el-alert; '' when the conflict banner says it all */
  message: string
  /** 412: someone else changed the record; reload before editing */
  conflict: boolean
}

export function describeFailure(e: unknown, t: T): FormFailure {
  if (!(e instanceof ApiError)) return { fieldErrors: {}, message: t('errors.generic'), conflict: false }
  const fieldErrors = e.fieldErrors
  const detail = e.problem.detail
  switch (e.status) {
    case 0:
      return { fieldErrors, message: t('errors.network'), conflict: false }
    case 412:
      return { fieldErrors, message: '', conflict: true }
    case 403:
      return { fieldErrors, message: detail || t('errors.forbiddenAction'), conflict: false }
    case 409:
      return { fieldErrors, message: detail || t('errors.conflict'), conflict: false }
    case 429:
      return { fieldErrors, message: detail || t('errors.tooMany'), conflict: false }
  }
  if (Object.keys(fieldErrors).length)
    return { fieldErrors, message: detail || t('errors.fieldErrors'), conflict: false }
  return { fieldErrors, message: detail || e.problem.title || t('errors.generic'), conflict: false }
}

/** Field errors whose field has no form item of its own (shown as a list). */
export function extraErrors(errs: Record<string, string>, shown: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(errs)) if (!shown.includes(k)) out[k] = v
  return out
}
