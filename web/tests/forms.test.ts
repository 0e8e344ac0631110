import { describe, expect, it } from 'vitest'
import { ApiError } from '../src/api/client'
import { describeFailure, extraErrors } from '../src/forms'
import { coerceId, formatDate, formatDateTime, formatValue } from '../src/format'
import { safeRedirect } from '../src/redirect'
import { canEditNode, canEditAnything, hasRole } from '../src/session'
import type { Me } from '../src/api/types'

const t = (k: string) => `<${k}>`

describe('describeFailure', () => {
  it('412 is a conflict to reload', () => {
    const f = describeFailure(new ApiError({ status: 412, title: 'Precondition Failed', detail: 'node 3 was changed' }), t)
    expect(f.conflict).toBe(true)
    expect(f.message).toBe('')
  })
  it('validation errors map to fields (an unknown rule keeps the server text)', () => {
    const e = new ApiError({
      status: 422,
      detail: '校验失败',
      errors: [{ field: 'parent_id', rule: 'grid_under_community', message: '网格不能直接挂在街道下' }],
    })
    const f = describeFailure(e, t, { locale: 'zh-CN' })
    expect(f.conflict).toBe(false)
    expect(f.fieldErrors).toEqual({ parent_id: '网格不能直接挂在街道下' })
    expect(f.message).toBe('<problems.fieldLine>')
  })
  it('a known rule is looked up, not the server text', () => {
    const e = new ApiError({ status: 400, errors: [{ field: 'name', rule: 'required', message: 'name must not be empty' }] })
    expect(describeFailure(e, t, { locale: 'zh-CN' }).fieldErrors).toEqual({ name: '<problems.rules.required>' })
    expect(describeFailure(e, t, { locale: 'en' }).fieldErrors).toEqual({ name: 'name must not be empty' })
  })
  it('uses texts by problem kind in Chinese', () => {
    const zh = { locale: 'zh-CN' }
    expect(describeFailure(new ApiError({ status: 403, detail: 'node 3 is outside your role or scope' }), t, zh).message).toBe(
      '<problems.kinds.forbidden>',
    )
    expect(describeFailure(new ApiError({ status: 409 }), t, zh).message).toBe('<problems.kinds.conflict>')
    expect(describeFailure(new ApiError({ status: 429 }), t, zh).message).toBe('<problems.kinds.rate_limited>')
    expect(describeFailure(new ApiError({ status: 0 }), t, zh).message).toBe('<errors.network>')
    expect(describeFailure(new Error('boom'), t, zh).message).toBe('<errors.generic>')
  })
  it('keeps the server detail in English', () => {
    const f = describeFailure(new ApiError({ status: 403, detail: 'node 3 is outside your role or scope' }), t, { locale: 'en' })
    expect(f.message).toBe('node 3 is outside your role or scope')
    expect(describeFailure(new ApiError({ status: 409 }), t, { locale: 'en' }).message).toBe('<problems.kinds.conflict>')
  })
  it('extraErrors keeps the fields without a form item', () => {
    expect(extraErrors({ name: 'a', code: 'b' }, ['name'])).toEqual({ code: 'b' })
  })
})

describe('format', () => {
  it('dates are YYYY-MM-DD', () => {
    expect(formatDate('2024-03-05')).toBe('2024-03-05')
    expect(formatDate(null)).toBe('')
    expect(formatDate('2024-03-05T12:00:00Z')).toMatch(/^2024-03-0[56]$/)
    expect(formatDateTime('2024-03-05T08:07:00Z')).toMatch(/^2024-03-0[56] \d{2}:07$/)
    expect(formatDate('garbage')).toBe('garbage')
  })
  it('history values', () => {
    expect(formatValue('五堰社区')).toBe('五堰社区')
    expect(formatValue({ parent_id: 3 })).toBe('parent_id: 3')
    expect(formatValue({})).toBe('')
    expect(formatValue({ name: '一网格', kind: 'grid' }, (k) => k.toUpperCase(), (_k, v) => `<${v}>`)).toBe(
      'NAME: <一网格>；KIND: <grid>',
    )
    expect(formatValue(null)).toBe('')
  })
  it('ids keep the JSON type the server uses', () => {
    expect(coerceId('12', 5)).toBe(12)
    expect(coerceId(' 12 ', 'n5')).toBe('12')
    expect(coerceId('abc', 5)).toBe('abc')
    expect(coerceId(7, 'x')).toBe('7')
  })
})

describe('redirect after login', () => {
  it('only goes to app paths', () => {
    expect(safeRedirect('/nodes/3')).toBe('/nodes/3')
    expect(safeRedirect(['/orgs'])).toBe('/orgs')
    expect(safeRedirect('https://evil.example/')).toBe('/')
    expect(safeRedirect('//evil.example/')).toBe('/')
    expect(safeRedirect('/login?redirect=/x')).toBe('/')
    expect(safeRedirect(undefined)).toBe('/')
  })
})

describe('permissions in the UI', () => {
  const me = (roles: Array<[string, number | null]>): Me => ({
    id: 1,
    username: 'u',
    display_name: 'U',
    roles: roles.map(([role, node_id], i) => ({ id: i, role, node_id, org_id: null })),
  })
  const node = { id: 30, ancestors: [{ id: 1 }, { id: 10 }, { id: 20 }] }
  it('editing roles at the node or above may edit', () => {
    expect(canEditNode(me([['community_staff', 20]]), node)).toBe(true)
    expect(canEditNode(me([['district_admin', 1]]), node)).toBe(true)
    expect(canEditNode(me([['community_staff', 30]]), node)).toBe(true)
  })
  it('other places, read-only roles and nobody may not', () => {
    expect(canEditNode(me([['community_staff', 21]]), node)).toBe(false)
    expect(canEditNode(me([['leader', 1]]), node)).toBe(false)
    expect(canEditNode(me([['grid_worker', 30]]), node)).toBe(false)
    expect(canEditNode(null, node)).toBe(false)
  })
  it('ids compare across number and string', () => {
    expect(canEditNode(me([['street_operator', 10]]), { id: '30', ancestors: [{ id: '10' }] })).toBe(true)
  })
  it('role helpers', () => {
    expect(hasRole(me([['district_admin', 1]]), 'district_admin')).toBe(true)
    expect(hasRole(me([['leader', 1]]), 'district_admin')).toBe(false)
    expect(canEditAnything(me([['resident', 30]]))).toBe(false)
  })
})
