// Turning the answers of POST /grids/import into what the import page shows.
import type { FieldError, Problem } from '../api/client'
import type { ImportFeatureError, ImportReport } from '../api/types'
import type { PreviewFeature } from './geojson'

/** "features[3].geometry.coordinates[0][4]" → { index: 3, field: "geometry.coordinates[0][4]" }. */
export function splitFeatureField(field: string): { index: number; field: string } | null {
  const m = /^features\[(\d+)\](?:\.(.*))?$/.exec(field)
  if (!m) return null
  return { index: Number(m[1]), field: m[2] ?? '' }
}

/** The point a geometry message names, "… near (110.7650000, 32.6150000)" → [lng, lat]. */
export function nearPoint(message: string | undefined): [number, number] | null {
  const m = /near \((-?\d+(?:\.\d+)?), (-?\d+(?:\.\d+)?)\)/.exec(message ?? '')
  if (!m) return null
  const lng = Number(m[1])
  const lat = Number(m[2])
  if (!(lng >= -180 && lng <= 180 && lat >= -90 && lat <= 90)) return null
  return [lng, lat]
}

/** The feature errors (rows of the table) and the errors about the file as a whole of a 400. */
export interface ReadFailure {
  rows: ImportFeatureError[]
  file: FieldError[]
}

/**
 * A file the server could not read answers 400 with errors[] whose field is features[i].… for a
 * feature (its name and code come from the preview when it has them) or something else for the
 * file (".prj", "crs", "body", "Content-Type", …).
 */
export function readFailure(p: Problem, preview: PreviewFeature[] = []): ReadFailure {
  const rows: ImportFeatureError[] = []
  const file: FieldError[] = []
  const byIndex = new Map(preview.map((f) => [f.index, f]))
  for (const e of p.errors ?? []) {
    const s = splitFeatureField(e.field)
    if (!s) {
      file.push(e)
      continue
    }
    const f = byIndex.get(s.index)
    rows.push({
      index: s.index,
      code: f?.code || undefined,
      name: f?.name || undefined,
      field: s.field,
      rule: e.rule ?? '',
      message: e.message,
    })
  }
  return { rows, file }
}

/** The report in a 422's `report` extension member, if it looks like one. */
export function reportOf(p: Problem): ImportReport | null {
  const r = p.extensions?.report
  if (!r || typeof r !== 'object') return null
  const rep = r as Partial<ImportReport>
  if (typeof rep.valid !== 'boolean') return null
  return {
    dry_run: !!rep.dry_run,
    valid: rep.valid,
    written: !!rep.written,
    replayed: rep.replayed,
    revision: rep.revision,
    features: rep.features ?? 0,
    tolerance_m2: rep.tolerance_m2 ?? 0,
    plan: rep.plan ?? [],
    errors: rep.errors ?? [],
    problems: rep.problems ?? [],
    checked: rep.checked ?? [],
  }
}

/** How many features the plan creates and updates. */
export function planCounts(rep: Pick<ImportReport, 'plan'>): { create: number; update: number } {
  let create = 0
  let update = 0
  for (const p of rep.plan ?? []) {
    if (p.action === 'create') create++
    else update++
  }
  return { create, update }
}

/** The indices of the features with an error, for marking them in the preview. */
export function badIndices(rows: Pick<ImportFeatureError, 'index'>[]): Set<number> {
  return new Set(rows.map((r) => r.index))
}

/** A file's kind by its name: GeoJSON text (previewed) or a zipped Shapefile (not previewed). */
export function fileKind(name: string): 'geojson' | 'zip' | null {
  if (/\.(geo)?json$/i.test(name)) return 'geojson'
  if (/\.zip$/i.test(name)) return 'zip'
  return null
}

/** Square metres, rounded, with thousands separators: 170642.3 → "170,642". */
export function squareMetres(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–'
  return Math.round(v).toLocaleString('en-US')
}
