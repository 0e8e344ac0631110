// Turning API failures into what a form shows.
import { ref, shallowRef } from 'vue'
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


/** What useSubmit gives a form. */
export type Submit = ReturnType<typeof useSubmit>

/** A form's submit state: busy, the field errors and the message of the last failure. */
export function useSubmit(t: T, labels: Record<string, string> = {}) {
  const errors = ref<Record<string, string>>({})
  const message = ref('')
  const busy = ref(false)
  /** Runs fn; a failure fills errors (by field, in the form's own labels) and message. */
  async function run<R>(fn: () => Promise<R>): Promise<R | undefined> {
    errors.value = {}
    message.value = ''
    busy.value = true
    try {
      return await fn()
    } catch (e) {
      const f = describeFailure(e, t, { labels })
      errors.value = f.fieldErrors
      message.value = f.conflict ? t('problems.kinds.precondition_failed') : f.message
      return undefined
    } finally {
      busy.value = false
    }
  }
  function reset() {
    errors.value = {}
    message.value = ''
  }
  return { errors, message, busy, run, reset }
}

/** A page's data: load() runs fn, keeps the last answer's data or error (an older answer is dropped). */
export function useLoader<D>(fn: () => Promise<D | undefined>) {
  const data = shallowRef<D | undefined>(undefined)
  const error = shallowRef<unknown>(null)
  const loading = ref(false)
  let seq = 0
  async function load() {
    const my = ++seq
    loading.value = true
    try {
      const d = await fn()
      if (my !== seq) return
      data.value = d
      error.value = null
    } catch (e) {
      if (my === seq) error.value = e
    } finally {
      if (my === seq) loading.value = false
    }
  }
  return { data, error, loading, load }
}

/** Asks first (a confirmation box), then runs fn; a refusal is returned as a message ('' when done or cancelled). */
export async function confirmThen(t: T, question: string, fn: () => Promise<unknown>): Promise<string> {
  const { ElMessageBox } = await import('element-plus')
  try {
    await ElMessageBox.confirm(question, { type: 'warning' })
  } catch {
    return ''
  }
  try {
    await fn()
    return ''
  } catch (e) {
    return describeFailure(e, t).message || t('errors.generic')
  }
}

/** A list's row actions (end a post, end a 包保 …): confirm, act, say what was done or why not, reload. */
export function useRowAction(t: T, reload: () => Promise<unknown>) {
  const notice = ref('')
  const failure = ref('')
  async function act(question: string, fn: () => Promise<unknown>, done: string) {
    notice.value = ''
    failure.value = await confirmThen(t, question, async () => {
      await fn()
      notice.value = done
    })
    await reload()
  }
  return { notice, failure, act }
}
