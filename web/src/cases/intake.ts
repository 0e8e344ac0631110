// 来电登记 / 敲门走访 (issue 5 item 1): community or street staff enter a resident's report on
// their behalf. The checks the page makes before sending (the server checks again), the body, and
// the masks the page shows the resident's name and phone with once the case is made.
import type { NewCase } from '../api/types'

export type StaffChannel = 'phone' | 'visit'

export interface IntakeForm {
  channel: StaffChannel
  reporter_name: string
  reporter_phone: string
  anonymous: boolean
  category: string
  description: string
  address: string
  point: [number, number] | null
  photos: string[]
}

/** The phone as typed, without spaces and a leading +86. */
export function normalPhone(s: string): string {
  let p = s.replace(/[\s\u3000]/g, '')
  if (p.startsWith('+86')) p = p.slice(3)
  return p
}

/** What the page refuses before sending (what is missing): field → i18n key (intake.errors.*). */
export function intakeProblems(f: IntakeForm): Record<string, string> {
  const e: Record<string, string> = {}
  if (!f.category) e.category = 'intake.errors.category'
  if (!f.description.trim()) e.description = 'intake.errors.description'
  if (!f.point) e.lng = 'intake.errors.place'
  // the phone's format is the server's to judge (case.go ValidPhone): its refusal shows on the field
  if (!f.anonymous && !normalPhone(f.reporter_phone)) e.reporter_phone = 'intake.errors.phoneRequired'
  if ([...f.reporter_name.trim()].length > 50) e.reporter_name = 'intake.errors.nameLength'
  return e
}

/** The body of POST /cases. Anonymous: no name or phone at all. */
export function intakeBody(f: IntakeForm): NewCase {
  if (!f.point) throw new Error('intakeBody: no place')
  const body: NewCase = {
    channel: f.channel,
    category: f.category,
    lng: f.point[0],
    lat: f.point[1],
    description: f.description.trim(),
  }
  if (f.address.trim()) body.address = f.address.trim()
  if (f.anonymous) body.anonymous = true
  else {
    if (f.reporter_name.trim()) body.reporter_name = f.reporter_name.trim()
    body.reporter_phone = normalPhone(f.reporter_phone)
  }
  if (f.photos.length) body.photos = [...f.photos]
  return body
}

function keepEnds(r: string[], head: number, tail: number): string {
  if (!r.length) return ''
  if (r.length <= head + tail) return '*'.repeat(r.length)
  return r.slice(0, head).join('') + '*'.repeat(r.length - head - tail) + r.slice(r.length - tail).join('')
}

/** 138****5678 (internal/pii MaskPhone). */
export const maskPhone = (s: string) => keepEnds([...s], 3, 4)

const COMPOUND = new Set(
  `欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 端木 独孤 南宫 西门 百里 呼延 万俟 澹台 公冶 太史 申屠 闻人 赫连 拓跋 东郭 濮阳 淳于 单于 左丘 公羊 司空 羊舌 微生 梁丘 谷梁 宰父 段干 漆雕 乐正 壤驷 公良 第五 鲜于 闾丘 亓官 司寇 子车 颛孙 巫马 公西`.split(
    /\s+/,
  ),
)

/** 张* , 李**, 欧阳** (internal/pii MaskName). */
export function maskName(s: string): string {
  const r = [...s.trim()]
  if (r.length === 0) return ''
  if (r.length === 1) return '*'
  if (r.length >= 3 && COMPOUND.has(r[0] + r[1])) return r[0] + r[1] + '*'.repeat(r.length - 2)
  return r[0] + '*'.repeat(r.length - 1)
}
