// Reading a GeoJSON file in the browser for the import preview: which features it holds (in file
// order, so that their numbers match the server's feature index), their name, code and parent
// code (found under the same property names as the server accepts, geo/geoio/feature.go) and
// their polygons. The server is the judge of validity; this only draws what it can.
import type { AreaGeometry, PolygonCoords, Position } from '../api/types'

export interface PreviewFeature {
  /** 0-based position in the file, as the server's `index` */
  index: number
  name: string
  code: string
  parentCode: string
  /** null when the geometry is missing or not a drawable (Multi)Polygon */
  geometry: AreaGeometry | null
}

export interface Preview {
  features: PreviewFeature[]
  /** why nothing could be read: not JSON at all, or JSON that is not a Feature(Collection) */
  error?: 'json' | 'geojson'
  /** features beyond the preview limit, not drawn */
  omitted: number
}

/** The most features the preview keeps (the server accepts more; the preview is only a picture). */
export const PREVIEW_MAX_FEATURES = 20_000

/** Accepted property names, most preferred first; ASCII names match case-insensitively. */
export const PROPERTY_NAMES = {
  name: ['name', '网格名称', '名称', 'mc'],
  code: ['code', '网格编码', '编码', 'bm'],
  parentCode: ['parent_code', 'parent_cod', '上级编码', '社区编码', 'pcode', 'parent'],
} as const

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v)

function propText(v: unknown): string {
  if (typeof v === 'string') return v.trim()
  if (typeof v === 'number' && Number.isFinite(v)) return Number.isInteger(v) ? v.toFixed(0) : String(v)
  return ''
}

/** The preferred non-empty value among a property's accepted names. */
export function pickProperty(props: unknown, names: readonly string[]): string {
  if (!isObj(props)) return ''
  let best = ''
  let bestRank = Infinity
  for (const [k, v] of Object.entries(props)) {
    const key = k.trim().toLowerCase()
    const rank = names.findIndex((n) => n.toLowerCase() === key)
    if (rank < 0 || rank >= bestRank) continue
    const text = propText(v)
    if (text) {
      best = text
      bestRank = rank
    }
  }
  return best
}

function position(v: unknown): Position | null {
  if (!Array.isArray(v) || v.length < 2) return null
  const [x, y] = v
  if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) return null
  if (x < -180 || x > 180 || y < -90 || y > 90) return null
  return [x, y]
}

function polygon(v: unknown): PolygonCoords | null {
  if (!Array.isArray(v) || v.length === 0) return null
  const rings: Position[][] = []
  for (const r of v) {
    if (!Array.isArray(r) || r.length < 3) return null
    const ring: Position[] = []
    for (const p of r) {
      const q = position(p)
      if (!q) return null
      ring.push(q)
    }
    rings.push(ring)
  }
  return rings
}

/** A drawable copy of a Polygon or MultiPolygon geometry (positions cut to lng, lat), else null. */
export function drawableGeometry(g: unknown): AreaGeometry | null {
  if (!isObj(g)) return null
  if (g.type === 'Polygon') {
    const c = polygon(g.coordinates)
    return c ? { type: 'Polygon', coordinates: c } : null
  }
  if (g.type === 'MultiPolygon') {
    if (!Array.isArray(g.coordinates) || g.coordinates.length === 0) return null
    const polys: PolygonCoords[] = []
    for (const pc of g.coordinates) {
      const c = polygon(pc)
      if (!c) return null
      polys.push(c)
    }
    return { type: 'MultiPolygon', coordinates: polys }
  }
  return null
}

function feature(f: unknown, index: number): PreviewFeature {
  const props = isObj(f) ? f.properties : undefined
  return {
    index,
    name: pickProperty(props, PROPERTY_NAMES.name),
    code: pickProperty(props, PROPERTY_NAMES.code),
    parentCode: pickProperty(props, PROPERTY_NAMES.parentCode),
    geometry: isObj(f) ? drawableGeometry(f.geometry) : null,
  }
}

/** Reads the text of a GeoJSON file (a FeatureCollection or a single Feature). Never throws. */
export function parsePreview(text: string, max = PREVIEW_MAX_FEATURES): Preview {
  let doc: unknown
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
  } catch {
    return { features: [], error: 'json', omitted: 0 }
  }
  if (isObj(doc) && doc.type === 'FeatureCollection' && Array.isArray(doc.features)) {
    const all = doc.features as unknown[]
    const n = Math.min(all.length, max)
    const features: PreviewFeature[] = []
    for (let i = 0; i < n; i++) features.push(feature(all[i], i))
    return { features, omitted: all.length - n }
  }
  if (isObj(doc) && doc.type === 'Feature') return { features: [feature(doc, 0)], omitted: 0 }
  return { features: [], error: 'geojson', omitted: 0 }
}

/** [minLng, minLat, maxLng, maxLat] of the drawable features, or null when there are none. */
export function previewBBox(features: PreviewFeature[]): [number, number, number, number] | null {
  let minX = Infinity
  let minY = Infinity
  let maxX = -Infinity
  let maxY = -Infinity
  for (const f of features) {
    const g = f.geometry
    if (!g) continue
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates
    for (const poly of polys)
      for (const ring of poly)
        for (const [x, y] of ring) {
          if (x < minX) minX = x
          if (y < minY) minY = y
          if (x > maxX) maxX = x
          if (y > maxY) maxY = y
        }
  }
  return minX <= maxX ? [minX, minY, maxX, maxY] : null
}
