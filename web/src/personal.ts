// Personal data in the UI (issue 6 item 8): who may ask for it in full, the unmasked export's
// option and reason, and the refusals of a person's removal — kept out of the views so that it
// can be unit tested.
import type { Me, RegisterInfo } from './api/types'
import { ApiError } from './api/client'

type T = (key: string, named?: Record<string, unknown>) => string

/** Roles that may see personal data in full with a reason (ActUnmask in user.go). */
export const UNMASK_ROLES = ['grid_worker', 'grid_leader', 'community_staff', 'street_operator', 'district_admin']

export const canUnmask = (me: Me | null) => !!me?.roles?.some((g) => UNMASK_ROLES.includes(g.role))

/**
 * Whether the export page offers 导出完整信息 for a register: it has personal fields (GET
 * /registers `personal`) and the user's role may unmask. The server still checks the node (403).
 */
export const offersUnmaskedExport = (r: Pick<RegisterInfo, 'personal'> | undefined, me: Me | null) => !!r?.personal?.length && canUnmask(me)

/** 身份证号、电话: the register's personal fields in the UI's language (an unknown one as sent). */
export function personalFields(t: T, fields: readonly string[] | undefined): string {
  const known = ['id_number', 'phone']
  return (fields ?? []).map((f) => (known.includes(f) ? t(`personal.fields.${f}`) : f)).join(t('personal.separator'))
}

/** The reason an unmasked export needs (the server's checkUnmaskReason: 1–200 characters, no control characters). */
export function exportReasonError(t: T, unmasked: boolean, reason: string): string {
  if (!unmasked) return ''
  return reason.trim() ? '' : t('personal.exportReasonRequired')
}

/** The query of an export: masked, or unmasked with the trimmed reason. */
export function exportOptions(unmasked: boolean, reason: string): { unmasked?: boolean; reason?: string } {
  return unmasked ? { unmasked: true, reason: reason.trim() } : {}
}

/** A removal refused because the record changed since the list was read (If-Match: 412). */
export const isStaleRecord = (e: unknown) => e instanceof ApiError && e.status === 412
