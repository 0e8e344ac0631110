import { afterEach, describe, expect, it } from 'vitest'
import { i18n } from '../src/i18n'
import type { Me } from '../src/api/types'
import { ApiError } from '../src/api/client'
import { canUnmask, exportOptions, exportReasonError, isStaleRecord, offersUnmaskedExport, personalFields } from '../src/personal'

const g = i18n.global
const t = (k: string, named?: Record<string, unknown>) => g.t(k, named ?? {})
const me = (...roles: string[]): Me => ({ id: 1, username: 'u', display_name: 'U', roles: roles.map((role, i) => ({ id: i, role, node_id: 3, org_id: null })) })

afterEach(() => {
  g.locale.value = 'zh-CN'
})

describe('the unmasked export', () => {
  it('is offered for a register with personal fields to a role that may unmask', () => {
    const residents = { personal: ['id_number', 'phone'] }
    expect(offersUnmaskedExport(residents, me('community_staff'))).toBe(true)
    expect(offersUnmaskedExport(residents, me('grid_worker'))).toBe(true)
    // nothing to unmask: not offered
    expect(offersUnmaskedExport({ personal: [] }, me('district_admin'))).toBe(false)
    expect(offersUnmaskedExport({}, me('district_admin'))).toBe(false) // an older server without the list
    expect(offersUnmaskedExport(undefined, me('district_admin'))).toBe(false)
    // leaders and departments never see personal data in full (user.go rolePerms)
    expect(offersUnmaskedExport(residents, me('leader'))).toBe(false)
    expect(offersUnmaskedExport(residents, me('department_staff'))).toBe(false)
    expect(canUnmask(null)).toBe(false)
  })

  it('names the fields it shows in full, in the UI language', () => {
    expect(personalFields(t, ['id_number', 'phone'])).toBe('身份证号、电话')
    g.locale.value = 'en'
    expect(personalFields(t, ['id_number', 'phone', 'passport'])).toBe('ID number, phone, passport')
    expect(personalFields(t, undefined)).toBe('')
  })

  it('needs a reason, which goes with the request trimmed', () => {
    expect(exportReasonError(t, true, '  ')).toBe('请填写导出原因')
    expect(exportReasonError(t, true, '民政低保复核')).toBe('')
    expect(exportReasonError(t, false, '')).toBe('')
    expect(exportOptions(true, ' 民政低保复核 ')).toEqual({ unmasked: true, reason: '民政低保复核' })
    expect(exportOptions(false, '民政低保复核')).toEqual({}) // a masked export sends no reason
  })
})

describe('a person leaving a register', () => {
  it('tells a record changed meanwhile (412) from other refusals', () => {
    expect(isStaleRecord(new ApiError({ status: 412, type: 'urn:redgrid:problem:precondition_failed' }))).toBe(true)
    expect(isStaleRecord(new ApiError({ status: 409, detail: 'resident 3 has already left' }))).toBe(false)
    expect(isStaleRecord(new ApiError({ status: 403 }))).toBe(false)
    expect(isStaleRecord(new Error('x'))).toBe(false)
  })
})
