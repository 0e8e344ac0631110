// Localized text for the server's RFC 9457 problem documents.
//
// The server writes English `detail` and `errors[].message`; the machine-readable parts are the
// problem `type` (urn:redgrid:problem:<kind>), each error's `rule` and its `field`. In Chinese the UI
// shows its own text for those and falls back to the server's English only for what it does not
// know; in English it shows the server's text (more specific) and its own only when that is missing.
import { ApiError, type FieldError, type Problem } from './api/client'
import { currentLocale } from './i18n'
import { anyKindLabel, roleLabel } from './labels'

type T = (key: string, named?: Record<string, unknown>) => string

/** The kinds of urn:redgrid:problem:<kind> (errors.go, internal/api/errors.go). */
export const PROBLEM_KINDS = [
  'invalid',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'precondition_failed',
  'too_large',
  'unprocessable',
  'rate_limited',
  'internal',
  'unsupported_media_type',
  'method_not_allowed',
  'unavailable',
] as const
export type ProblemKind = (typeof PROBLEM_KINDS)[number]

/** Every `rule` the server puts in errors[] (Invalid(...), Validator.Add/Check, Rule: ...). */
export const FIELD_RULES = [
  'required',
  'max_length',
  'no_control_chars',
  'date',
  'enum',
  'district_is_root',
  'code_scheme',
  'digits',
  'parent_kind',
  'exists',
  'no_cycle',
  'unique',
  'code_space',
  'after_valid_from',
  'led_node_kind',
  'within_parent',
  'required_if_temporary',
  'only_if_temporary',
  'root',
  'gb32100',
  'max_items',
  'unique_positive',
  'forbidden_with_org',
  'only_department_staff',
  'pattern',
  'min_length',
  'role_level',
  'department',
  'not_self',
  'unknown_field',
  'type',
  'json_syntax',
  'utf8',
  'single_value',
  'max_bytes',
  'positive_integer',
  'range',
  'etag',
  'format',
  'json',
  'readable',
  'number',
  'boolean',
  'pair',
  'kind',
  'max_grids',
  // cases (issue 5)
  'limit',
  'min',
  'parent',
  'length',
  'in_grid',
  'after_from',
  'serves',
  'other',
  'same_community',
  // joint meetings
  'not_future',
  'on_agenda',
  'meeting_level',
  // 三事分办
  'guide_only',
  'route_only',
  'route',
  'matter_change',
  // households and registers
  'same_grid',
  'lead_full',
  'conflict',
  'bool',
  'tag_role',
  // grid staffing
  'one_leader',
  'part_time',
  'leader_only',
  'liaison_only',
  'of_grid',
  'party_member',
  // volunteers
  'service_only',
  // co-building
  'after_signed',
  'grid_of_community',
  // party members
  'in_service',
  'sinking',
  'media_type',
  // photos (internal/photo): field `file`
  'corrupt',
  'dimensions',
  'image_format',
  'image_upload',
  'multipart',
  'single',
  // reading an imported file (geo/geoio): the file as a whole
  'read',
  'geojson',
  'crs',
  'too_many_features',
  'zip',
  'too_large',
  'files',
  'prj',
  'shp',
  'dbf',
  'encoding',
  'shape_type',
  'count',
  // … and one feature of it
  'polygon',
  'coordinates',
  'position',
  'empty',
  'closed',
  'too_few_points',
  'self_intersection',
  'hole_outside',
  'too_many_vertices',
  'too_many_rings',
  'text',
  'integer',
  'duplicate',
  // the import report (internal/atlas): a feature against the tree, and coverage problems
  'parent_mismatch',
  'overlap',
  'gap',
  'outside',
  // Open311 and photo uploads
  'syntax',
  'form',
  'max_fields',
  'unsupported',
  // registers of people (issue 6): posts and 包保, spreadsheets, unmasked exports
  'other_only',
  'after_start',
  'one_of',
  'personal',
  'member_community',
  'ambiguous',
  'masked',
  'mismatch',
  // posts, 包保, members leaving, agreements' renewal, owners' committees' terms (UI of issue 6 items 2, 4, 5, 6)
  'after_previous',
  'after_elected',
  'max_term',
  'read_only',
  'renewed',
  'after_joined',
] as const
export type FieldRule = (typeof FIELD_RULES)[number]

const STATUS_KIND: Record<number, ProblemKind> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
}

/** Field (body member, query parameter or header) → i18n key of its label. */
export const FIELD_LABEL_KEYS: Record<string, string> = {
  id: 'fields.id',
  name: 'fields.name',
  code: 'fields.code',
  kind: 'fields.kind',
  parent_id: 'problems.fields.parentNode',
  node_id: 'fields.node',
  org_id: 'fields.org',
  role: 'fields.role',
  roles: 'fields.roles',
  valid_from: 'fields.validFrom',
  valid_to: 'fields.validTo',
  ends_on: 'fields.endsOn',
  temporary: 'fields.temporary',
  username: 'fields.username',
  password: 'fields.password',
  display_name: 'fields.displayName',
  disabled: 'problems.fields.disabled',
  home_node_id: 'fields.homeNode',
  node_ids: 'fields.servedNodes',
  credit_code: 'fields.creditCode',
  contact: 'fields.contact',
  body: 'problems.fields.body',
  'Content-Type': 'problems.fields.contentType',
  'If-Match': 'problems.fields.ifMatch',
  'Idempotency-Key': 'problems.fields.idempotencyKey',
  grant_id: 'problems.fields.grantId',
  before_id: 'problems.fields.beforeId',
  depth: 'fields.depth',
  limit: 'problems.fields.limit',
  node: 'fields.node',
  parent: 'fields.parent',
  q: 'problems.fields.q',
  within: 'problems.fields.within',
  lng: 'problems.fields.lng',
  lat: 'problems.fields.lat',
  crs: 'problems.fields.crs',
  dry_run: 'problems.fields.dryRun',
  households: 'problems.fields.households',
  features: 'problems.fields.features',
  source: 'problems.fields.source',
  geometry: 'problems.fields.geometry',
  parent_code: 'problems.fields.parentNode',
  // cases
  category: 'cases.fields.category',
  description: 'cases.fields.description',
  address: 'cases.fields.address',
  photos: 'cases.fields.photos',
  file: 'problems.fields.file',
  reason: 'cases.form.reason',
  explanation: 'cases.form.explanation',
  extend: 'cases.form.extend',
  lead_department_id: 'cases.form.lead',
  co_department_ids: 'cases.form.co',
  rating: 'cases.form.rating',
  into: 'cases.form.into',
  reporter_phone: 'report.phone',
  reporter_name: 'report.name',
  follow_token: 'problems.fields.followToken',
  state: 'cases.fields.state',
  stage: 'cases.fields.stage',
}

/** Labels on the party organisation forms, where parent_id and node_id mean something else. */
export const PARTY_FIELD_LABELS: Record<string, string> = {
  parent_id: 'problems.fields.parentParty',
  node_id: 'fields.linkedNode',
}

export interface LocalizeOptions {
  /** defaults to the app's current locale */
  locale?: string
  /** field → i18n key of its label on this form (overrides FIELD_LABEL_KEYS) */
  labels?: Record<string, string>
  /** the login form: a 401 there means wrong credentials, not an expired session */
  context?: 'login'
}

const isRule = (r: string | undefined): r is FieldRule => !!r && (FIELD_RULES as readonly string[]).includes(r)
const isKind = (k: string | undefined): k is ProblemKind => !!k && (PROBLEM_KINDS as readonly string[]).includes(k)

/** English mode shows the server's own (English) text. */
function serverTextFirst(opts: LocalizeOptions): boolean {
  return (opts.locale ?? currentLocale()).toLowerCase().startsWith('en')
}

const KIND_PREFIX = 'urn:redgrid:problem:'

/** The problem's kind: from its type, else from the HTTP status; undefined when neither is known. */
export function problemKind(p: Problem): ProblemKind | undefined {
  if (p.type?.startsWith(KIND_PREFIX)) {
    const k = p.type.slice(KIND_PREFIX.length)
    if (isKind(k)) return k
  }
  if (STATUS_KIND[p.status]) return STATUS_KIND[p.status]
  if (p.status >= 500) return 'internal'
  return undefined
}

/** A field's label: 名称 for name, 第 1 个角色的节点 for roles[0].node_id, the raw name when unknown. */
export function fieldLabel(t: T, field: string, labels?: Record<string, string>): string {
  const key = labels?.[field] ?? FIELD_LABEL_KEYS[field]
  if (key) return t(key)
  // where in an imported feature's geometry: geometry.coordinates[0][4], geometry.parts[2][17]
  if (/^geometry[.[]./.test(field)) return t('problems.fields.geometryAt', { field: field.slice('geometry'.length).replace(/^\./, '') })
  const m = /^([A-Za-z_]+)\[(\d+)\]\.(.+)$/.exec(field)
  if (m) {
    return t('problems.indexedField', { list: fieldLabel(t, m[1], labels), n: Number(m[2]) + 1, field: fieldLabel(t, m[3], labels) })
  }
  const dot = field.lastIndexOf('.')
  if (dot > 0 && dot < field.length - 1) {
    const last = field.slice(dot + 1)
    if (labels?.[last] ?? FIELD_LABEL_KEYS[last]) return fieldLabel(t, last, labels)
  }
  return field
}

/** The field's base name: node_id for roles[0].node_id. */
const baseField = (field: string) => field.slice(field.lastIndexOf('.') + 1)

/** Rule texts that fit one field better than the general one. */
const SPECIFIC: Record<string, string> = {
  'username:pattern': 'problems.specific.usernamePattern',
  'Content-Type:json': 'problems.specific.contentTypeJson',
  'body:required': 'problems.specific.bodyRequired',
  'file:too_large': 'problems.specific.photoTooLarge',
  'file:format': 'problems.specific.photoFormat',
  'file:image_format': 'problems.specific.photoFormat',
  'file:max_bytes': 'problems.specific.photoTooLarge',
  'branch_id:same_community': 'problems.specific.memberSameCommunity',
}

type Detail = { re: RegExp; key: string; named: (m: RegExpExecArray, t: T) => Record<string, unknown> }

/** Numbers and kinds the server's English message carries, for a more precise Chinese text. */
const DETAILED: Partial<Record<FieldRule, Detail[]>> = {
  max_length: [
    { re: /at most (\d+) characters/, key: 'problems.ruleDetails.maxChars', named: (m) => ({ n: m[1] }) },
    { re: /at most (\d+) bytes/, key: 'problems.ruleDetails.maxBytesLength', named: (m) => ({ n: m[1] }) },
  ],
  min_length: [{ re: /at least (\d+) characters/, key: 'problems.ruleDetails.minChars', named: (m) => ({ n: m[1] }) }],
  max_items: [{ re: /at most (\d+)/, key: 'problems.ruleDetails.maxItems', named: (m) => ({ n: m[1] }) }],
  max_bytes: [{ re: /at most (\d+) bytes/, key: 'problems.ruleDetails.maxBytes', named: (m) => ({ n: m[1] }) }],
  range: [
    { re: /from (-?\d+) to (-?\d+)/, key: 'problems.ruleDetails.range', named: (m) => ({ min: m[1], max: m[2] }) },
  ],
  code_scheme: [
    { re: /must be digits/, key: 'problems.rules.digits', named: () => ({}) },
    { re: /district code has (\d+) digits/, key: 'problems.ruleDetails.districtCode', named: (m) => ({ n: m[1] }) },
    {
      re: /parent's code (\d+) followed by (\d+) digits/,
      key: 'problems.ruleDetails.codeSegment',
      named: (m) => ({ code: m[1], n: m[2] }),
    },
    { re: /must not be all zeros/, key: 'problems.ruleDetails.codeZeros', named: () => ({}) },
  ],
  code_space: [
    {
      re: /no free (\d+)-digit \w+ code left under (\d+)/,
      key: 'problems.ruleDetails.codeSpace',
      named: (m) => ({ n: m[1], code: m[2] }),
    },
  ],
  parent_kind: [
    {
      re: /^an? (\w+)(?: \([^)]*\))? cannot hang under an? (\w+)/,
      key: 'problems.ruleDetails.parentKind',
      named: (m, t) => ({ kind: anyKindLabel(t, m[1]), parent: anyKindLabel(t, m[2]) }),
    },
  ],
  led_node_kind: [
    {
      re: /^an? (\w+) cannot lead an? (\w+)/,
      key: 'problems.ruleDetails.ledNodeKind',
      named: (m, t) => ({ kind: anyKindLabel(t, m[1]), node: anyKindLabel(t, m[2]) }),
    },
  ],
  role_level: [
    {
      re: /^(\w+) cannot be held at an? (\w+)/,
      key: 'problems.ruleDetails.roleLevel',
      named: (m, t) => ({ role: roleLabel(t, m[1]), kind: anyKindLabel(t, m[2]) }),
    },
  ],
  exists: [{ re: /^node (\d+) does not exist/, key: 'problems.ruleDetails.nodeMissing', named: (m) => ({ id: m[1] }) }],
}

/** The UI's own text for a field error, or undefined when its rule is unknown. */
export function ruleText(t: T, e: FieldError): string | undefined {
  if (!isRule(e.rule)) return undefined
  const specific = SPECIFIC[`${baseField(e.field)}:${e.rule}`]
  if (specific) return t(specific)
  for (const d of DETAILED[e.rule] ?? []) {
    const m = d.re.exec(e.message ?? '')
    if (m) return t(d.key, d.named(m, t))
  }
  return t(`problems.rules.${e.rule}`)
}

/** What to show for one field error (under its form item). */
export function fieldMessage(t: T, e: FieldError, opts: LocalizeOptions = {}): string {
  if (serverTextFirst(opts)) return e.message || ruleText(t, e) || e.rule || ''
  return ruleText(t, e) || e.message || e.rule || ''
}

/** "label：message", for a field error shown away from its form item. */
export function fieldLine(t: T, field: string, message: string, labels?: Record<string, string>): string {
  return t('problems.fieldLine', { field: fieldLabel(t, field, labels), message })
}

/** field → localized message (the first error of a field wins), for el-form-item :error. */
export function localizedFieldErrors(t: T, p: Problem, opts: LocalizeOptions = {}): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of p.errors ?? []) {
    if (!e || typeof e.field !== 'string') continue
    if (!(e.field in out)) out[e.field] = fieldMessage(t, e, opts)
  }
  return out
}

/** Known server details that say more than their kind (not machine-readable, so only a bonus). */
const DETAILS: Array<{ re: RegExp; key: string }> = [
  { re: /already holds this role/, key: 'problems.details.roleHeld' },
  { re: /new district is set up/, key: 'problems.details.districtByCli' },
  { re: /X-CSRF-Token/, key: 'problems.details.csrf' },
]

/** One line for a problem without field errors: its kind's text (Chinese) or the server's (English). */
export function problemSummary(t: T, p: Problem, opts: LocalizeOptions = {}): string {
  const kind = problemKind(p)
  let own: string | undefined
  if (kind === 'unauthorized' && opts.context === 'login') own = t('login.badCredentials')
  else if (kind) {
    const d = p.detail ? DETAILS.find((x) => x.re.test(p.detail as string)) : undefined
    own = d ? t(d.key) : t(`problems.kinds.${kind}`)
  }
  let text = serverTextFirst(opts) ? p.detail || own : own || p.detail
  text = text || p.title || t('errors.generic')
  if (kind === 'internal' && p.request_id) text += t('problems.requestId', { id: p.request_id })
  return text
}

/** One line for any failure: network, the first field error (and how many more), or the summary. */
export function problemMessage(t: T, e: unknown, opts: LocalizeOptions = {}): string {
  if (!(e instanceof ApiError)) return t('errors.generic')
  if (e.status === 0) return t('errors.network')
  const p = e.problem
  const errs = (p.errors ?? []).filter((x) => x && typeof x.field === 'string')
  if (errs.length && !(serverTextFirst(opts) && p.detail)) {
    const first = errs[0]
    let line = fieldLine(t, first.field, fieldMessage(t, first, opts), opts.labels)
    if (errs.length > 1) line += t('problems.more', { count: errs.length - 1 })
    return line
  }
  return problemSummary(t, p, opts)
}
