import { describe, expect, it } from 'vitest'
import zhCN from '../src/i18n/zh-CN'
import en from '../src/i18n/en'
import type { AppNotification, Me } from '../src/api/types'
import { markedRead, newestId, notificationLink, unreadBadge, NOTIFICATION_KINDS } from '../src/cases/notifications'
import { decisionCase, meetingBody, meetingNodes, splitAttendees } from '../src/cases/agenda'
import { intakeBody, intakeProblems, maskName, maskPhone, normalPhone, type IntakeForm } from '../src/cases/intake'

const note = (id: number, read = false, extra: Partial<AppNotification> = {}): AppNotification => ({
  id,
  node_id: 3,
  org_id: null,
  case_id: 40 + id,
  kind: 'remind',
  text: `n${id}`,
  created_at: '2026-12-01T02:00:00Z',
  read,
  ...extra,
})

function get(obj: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj)
}

describe('notifications', () => {
  it('badges the unread count, 99+ beyond 99', () => {
    expect(unreadBadge(0)).toBe('')
    expect(unreadBadge(1)).toBe('1')
    expect(unreadBadge(99)).toBe('99')
    expect(unreadBadge(100)).toBe('99+')
  })
  it('leads to the case, on the phone pages in the phone layout; a renewal to the agreements', () => {
    expect(notificationLink(note(1))).toBe('/cases/41')
    expect(notificationLink(note(1), true)).toBe('/m/cases/41')
    expect(notificationLink(note(2, false, { case_id: null, kind: 'agreement_renewal' }))).toBe('/cobuild')
    expect(notificationLink(note(2, false, { case_id: null, kind: 'agreement_renewal' }), true)).toBeNull()
    expect(notificationLink(note(3, false, { case_id: null, kind: 'something' }))).toBeNull()
  })
  it('marks all read up to the newest shown, by number', () => {
    const items = [note(10), note(9, true), note(2)]
    expect(newestId(items)).toBe(10)
    expect(newestId([])).toBeNull()
    expect(markedRead(items, [], 9).map((n) => n.read)).toEqual([false, true, true])
    expect(markedRead(items, [2]).map((n) => n.read)).toEqual([false, true, true])
    expect(markedRead(items, ['10']).map((n) => n.read)).toEqual([true, true, false])
  })
  it('has a label for every kind in both languages', () => {
    for (const k of NOTIFICATION_KINDS) {
      expect(get(zhCN, `notifications.kinds.${k}`)).toBeTruthy()
      expect(get(en, `notifications.kinds.${k}`)).toBeTruthy()
    }
  })
})

describe('joint meeting agenda', () => {
  const me = (roles: Me['roles']): Me => ({ id: 1, username: 'u', display_name: 'u', roles }) as Me
  it('lists the meeting nodes of the roles, community before street before district, once each', () => {
    const nodes = meetingNodes(
      me([
        { id: 1, role: 'street_operator', node_id: 5, node_name: '武当路街道', node_kind: 'street', org_id: null },
        { id: 2, role: 'community_staff', node_id: 9, node_name: '五堰社区', node_kind: 'community', org_id: null },
        { id: 3, role: 'leader', node_id: 5, node_name: '武当路街道', node_kind: 'street', org_id: null },
        { id: 4, role: 'grid_worker', node_id: 20, node_name: '一网格', node_kind: 'grid', org_id: null },
        { id: 5, role: 'department_staff', node_id: null, org_id: 7, org_name: '城管局' },
      ]),
    )
    expect(nodes.map((n) => [n.id, n.level])).toEqual([
      [9, 1],
      [5, 2],
    ])
    expect(meetingNodes(null)).toEqual([])
  })
  it('splits the attendees on lines and Chinese or Latin separators', () => {
    expect(splitAttendees('社区书记 李芳\n五堰物业 王强、城管中队 赵磊， 民警 刘,  ;')).toEqual(['社区书记 李芳', '五堰物业 王强', '城管中队 赵磊', '民警 刘'])
    expect(splitAttendees('  ')).toEqual([])
  })
  it('sends only the cases decided on, in the agenda order, and maps a refused decision back to its case', () => {
    const body = meetingBody(
      9,
      { held_on: '2026-12-01', title: ' 五堰社区党建联席会议 ', attendees: '甲、乙', minutes: ' 纪要 ', decisions: { '3': ' 交物业清运 ', '1': '', '2': '城管督办' } },
      [{ case_id: 1 }, { case_id: 2 }, { case_id: 3 }],
    )
    expect(body).toEqual({
      node_id: 9,
      held_on: '2026-12-01',
      title: '五堰社区党建联席会议',
      attendees: ['甲', '乙'],
      minutes: '纪要',
      decisions: [
        { case_id: 2, decision: '城管督办' },
        { case_id: 3, decision: '交物业清运' },
      ],
    })
    expect(decisionCase('decisions[1].case_id', body)).toBe(3)
    expect(decisionCase('decisions[0].decision', body)).toBe(2)
    expect(decisionCase('title', body)).toBeNull()
    expect(decisionCase('decisions[7].case_id', body)).toBeNull()
  })
})

describe('staff intake', () => {
  const form = (f: Partial<IntakeForm> = {}): IntakeForm => ({
    channel: 'phone',
    reporter_name: '张三',
    reporter_phone: '138 0013 8000',
    anonymous: false,
    category: '0101',
    description: ' 楼道堆放杂物 ',
    address: ' 3号楼 ',
    point: [110.79, 32.65],
    photos: [],
    ...f,
  })
  it('checks what the server would refuse, naming the fields', () => {
    expect(intakeProblems(form())).toEqual({})
    expect(intakeProblems(form({ category: '', description: ' ', point: null, reporter_phone: '' }))).toEqual({
      category: 'intake.errors.category',
      description: 'intake.errors.description',
      lng: 'intake.errors.place',
      reporter_phone: 'intake.errors.phoneRequired',
    })
    expect(intakeProblems(form({ reporter_phone: '12345' }))).toEqual({}) // the server refuses it on the field
    expect(intakeProblems(form({ reporter_phone: '', anonymous: true }))).toEqual({})
    expect(intakeProblems(form({ reporter_name: '名'.repeat(51) })).reporter_name).toBe('intake.errors.nameLength')
    for (const k of ['category', 'description', 'place', 'phoneRequired', 'nameLength']) {
      expect(get(zhCN, `intake.errors.${k}`)).toBeTruthy()
      expect(get(en, `intake.errors.${k}`)).toBeTruthy()
    }
  })
  it('sends the phone without spaces and +86', () => {
    expect(normalPhone('+86 138 0013 8000')).toBe('13800138000')
    expect(normalPhone('0719-8123456')).toBe('0719-8123456')
  })
  it('builds the body: the channel, the resident or nothing when anonymous', () => {
    expect(intakeBody(form({ channel: 'visit', photos: ['a'.repeat(32)] }))).toEqual({
      channel: 'visit',
      category: '0101',
      lng: 110.79,
      lat: 32.65,
      description: '楼道堆放杂物',
      address: '3号楼',
      reporter_name: '张三',
      reporter_phone: '13800138000',
      photos: ['a'.repeat(32)],
    })
    const anon = intakeBody(form({ anonymous: true, address: '' }))
    expect(anon.anonymous).toBe(true)
    expect(anon).not.toHaveProperty('reporter_name')
    expect(anon).not.toHaveProperty('reporter_phone')
    expect(anon).not.toHaveProperty('address')
    expect(() => intakeBody(form({ point: null }))).toThrow()
  })
  it('masks the resident as the server does', () => {
    expect(maskName('张三')).toBe('张*')
    expect(maskName('李小明')).toBe('李**')
    expect(maskName('欧阳娜娜')).toBe('欧阳**')
    expect(maskName('欧阳')).toBe('欧*')
    expect(maskName('')).toBe('')
    expect(maskName('王')).toBe('*')
    expect(maskPhone('13800135678')).toBe('138****5678')
    expect(maskPhone('0719-8123456')).toBe('071*****3456')
    expect(maskPhone('1234567')).toBe('*******')
    expect(maskPhone(maskPhone('13800135678'))).toBe('138****5678')
  })
})
