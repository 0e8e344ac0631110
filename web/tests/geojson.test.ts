import { describe, expect, it } from 'vitest'
import { drawableGeometry, parsePreview, pickProperty, previewBBox } from '../src/map/geojson'

const square = [
  [110.76, 32.61],
  [110.77, 32.61],
  [110.77, 32.62],
  [110.76, 32.62],
  [110.76, 32.61],
]
const bowtie = [
  [110.76, 32.61],
  [110.77, 32.62],
  [110.77, 32.61],
  [110.76, 32.62],
  [110.76, 32.61],
]
const feature = (properties: unknown, geometry: unknown) => ({ type: 'Feature', properties, geometry })
const fc = (...features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', features })

describe('parsePreview', () => {
  it('keeps every feature in file order with its name, code and parent code', () => {
    const p = parsePreview(
      fc(
        feature({ code: '42030200100101', name: '五堰第一网格' }, { type: 'Polygon', coordinates: [square] }),
        feature({ code: '42030200100199', name: '蝴蝶网格', parent_code: '420302001001' }, { type: 'Polygon', coordinates: [bowtie] }),
      ),
    )
    expect(p.error).toBeUndefined()
    expect(p.omitted).toBe(0)
    expect(p.features.map((f) => [f.index, f.code, f.name, f.parentCode])).toEqual([
      [0, '42030200100101', '五堰第一网格', ''],
      [1, '42030200100199', '蝴蝶网格', '420302001001'],
    ])
    // a self-intersecting ring is still drawn: the server says what is wrong with it
    expect(p.features[1].geometry).toEqual({ type: 'Polygon', coordinates: [bowtie] })
  })

  it('numbers features with a bad or missing geometry too, so indices match the server', () => {
    const p = parsePreview(
      fc(
        feature({ code: 'a' }, null),
        feature({ code: 'b' }, { type: 'Point', coordinates: [110, 32] }),
        feature({ code: 'c' }, { type: 'Polygon', coordinates: [[[110, 'x'], [111, 32], [110, 33]]] }),
        { type: 'Feature' },
        'junk',
        feature({ code: 'f' }, { type: 'MultiPolygon', coordinates: [[square], [square]] }),
      ),
    )
    expect(p.features.map((f) => [f.index, f.code, f.geometry?.type ?? null])).toEqual([
      [0, 'a', null],
      [1, 'b', null],
      [2, 'c', null],
      [3, '', null],
      [4, '', null],
      [5, 'f', 'MultiPolygon'],
    ])
  })

  it('reads a single Feature, a BOM, numeric codes and the Chinese property names', () => {
    const one = parsePreview('\ufeff' + JSON.stringify(feature({ 网格编码: 42030200100101, 网格名称: ' 一网格 ', 社区编码: 420302001001 }, { type: 'Polygon', coordinates: [square] })))
    expect(one.features).toHaveLength(1)
    expect(one.features[0]).toMatchObject({ index: 0, code: '42030200100101', name: '一网格', parentCode: '420302001001' })
  })

  it('says why nothing could be read', () => {
    expect(parsePreview('{"type": "FeatureCollection", "features": [').error).toBe('json')
    expect(parsePreview('not json').error).toBe('json')
    expect(parsePreview('{"type": "Polygon", "coordinates": []}').error).toBe('geojson')
    expect(parsePreview('[1, 2]').error).toBe('geojson')
    expect(parsePreview('{"type": "FeatureCollection"}').error).toBe('geojson')
  })

  it('keeps at most the preview limit and counts the rest', () => {
    const many = fc(...Array.from({ length: 5 }, (_, i) => feature({ code: String(i) }, { type: 'Polygon', coordinates: [square] })))
    const p = parsePreview(many, 3)
    expect(p.features).toHaveLength(3)
    expect(p.omitted).toBe(2)
  })
})

describe('properties', () => {
  it('prefers the first accepted name, matches ASCII names case-insensitively, skips empty values', () => {
    const names = ['code', '网格编码', '编码', 'bm']
    expect(pickProperty({ BM: '1', 编码: '2' }, names)).toBe('2')
    expect(pickProperty({ CODE: '9', 网格编码: '8' }, names)).toBe('9')
    expect(pickProperty({ code: '', bm: '7' }, names)).toBe('7')
    expect(pickProperty({ code: true }, names)).toBe('')
    expect(pickProperty(null, names)).toBe('')
  })
})

describe('geometry', () => {
  it('cuts positions to longitude and latitude and refuses what Leaflet cannot draw', () => {
    expect(drawableGeometry({ type: 'Polygon', coordinates: [square.map(([x, y]) => [x, y, 55])] })).toEqual({
      type: 'Polygon',
      coordinates: [square],
    })
    expect(drawableGeometry({ type: 'Polygon', coordinates: [[[200, 32], [111, 32], [110, 33], [200, 32]]] })).toBeNull()
    expect(drawableGeometry({ type: 'Polygon', coordinates: [] })).toBeNull()
    expect(drawableGeometry({ type: 'Polygon', coordinates: [[[110, 32], [111, 32]]] })).toBeNull()
    expect(drawableGeometry({ type: 'MultiPolygon', coordinates: [] })).toBeNull()
    expect(drawableGeometry({ type: 'LineString', coordinates: square })).toBeNull()
    expect(drawableGeometry(undefined)).toBeNull()
  })

  it('finds the box of the drawable features', () => {
    const p = parsePreview(fc(feature({}, { type: 'Polygon', coordinates: [square] }), feature({}, null)))
    expect(previewBBox(p.features)).toEqual([110.76, 32.61, 110.77, 32.62])
    expect(previewBBox([])).toBeNull()
  })
})
