import { describe, expect, it } from 'vitest'
import type { Problem } from '../src/api/client'
import { i18n } from '../src/i18n'
import { fieldLabel, fieldMessage, ruleText } from '../src/problems'
import {
  badIndices,
  fileKind,
  nearPoint,
  planCounts,
  readFailure,
  reportOf,
  splitFeatureField,
  squareMetres,
} from '../src/map/importing'
import type { PreviewFeature } from '../src/map/geojson'

const g = i18n.global
const t = (k: string, named?: Record<string, unknown>) => g.t(k, named ?? {})

// the 400 of POST /grids/import for a self-intersecting polygon, as the server writes it
const selfIntersecting: Problem = {
  type: 'urn:redgrid:problem:invalid',
  title: 'Bad Request',
  status: 400,
  detail: 'geoio: 1 feature error(s): …',
  errors: [
    {
      field: 'features[1].geometry.coordinates[0][0]',
      rule: 'self_intersection',
      message:
        'feature 1 (code 42030200100199, 蝴蝶网格): geometry.coordinates[0][0]: self-intersection: segment 0-1 meets segment 2-3 of the same ring near (110.7650000, 32.6150000)',
    },
    { field: '.prj', rule: 'prj', message: 'file: .prj: no .prj beside the .shp' },
  ],
}

const preview: PreviewFeature[] = [
  { index: 0, name: '五堰第一网格', code: '42030200100101', parentCode: '', geometry: null },
  { index: 1, name: '蝴蝶网格', code: '42030200100199', parentCode: '420302001001', geometry: null },
]

describe('a file the server could not read (400)', () => {
  it('splits feature errors (rows) from file errors', () => {
    const r = readFailure(selfIntersecting, preview)
    expect(r.rows).toEqual([
      {
        index: 1,
        code: '42030200100199',
        name: '蝴蝶网格',
        field: 'geometry.coordinates[0][0]',
        rule: 'self_intersection',
        message: selfIntersecting.errors![0].message,
      },
    ])
    expect(r.file.map((e) => e.rule)).toEqual(['prj'])
  })

  it('works without a preview (a zipped Shapefile)', () => {
    const r = readFailure(selfIntersecting)
    expect(r.rows[0]).toMatchObject({ index: 1, code: undefined, name: undefined })
  })

  it('finds the point a geometry message names', () => {
    expect(nearPoint(selfIntersecting.errors![0].message)).toEqual([110.765, 32.615])
    expect(nearPoint('near (-73.5, 45.25)')).toEqual([-73.5, 45.25])
    expect(nearPoint('near (500, 32)')).toBeNull()
    expect(nearPoint('no place')).toBeNull()
    expect(nearPoint(undefined)).toBeNull()
  })

  it('parses feature fields', () => {
    expect(splitFeatureField('features[12].properties.code')).toEqual({ index: 12, field: 'properties.code' })
    expect(splitFeatureField('features[0]')).toEqual({ index: 0, field: '' })
    expect(splitFeatureField('features')).toBeNull()
    expect(splitFeatureField('body')).toBeNull()
  })
})

describe('the report of a 422', () => {
  it('is read from the problem extension', () => {
    const p: Problem = {
      status: 422,
      extensions: {
        report: {
          dry_run: false,
          valid: false,
          written: false,
          features: 2,
          tolerance_m2: 1,
          plan: [],
          errors: [{ index: 0, field: 'properties.parent_code', rule: 'exists', message: 'no node has code 1' }],
          problems: [],
          checked: [],
        },
      },
    }
    const r = reportOf(p)
    expect(r?.valid).toBe(false)
    expect(r?.errors).toHaveLength(1)
    expect(reportOf({ status: 422 })).toBeNull()
    expect(reportOf({ status: 422, extensions: { report: 'x' } })).toBeNull()
    expect(reportOf({ status: 422, extensions: { report: { nothing: 1 } } })).toBeNull()
  })

  it('counts the plan and the features with errors', () => {
    expect(planCounts({ plan: [{ action: 'create' }, { action: 'update' }, { action: 'update' }] as never })).toEqual({
      create: 1,
      update: 2,
    })
    expect([...badIndices([{ index: 3 }, { index: 1 }, { index: 3 }])].sort()).toEqual([1, 3])
  })
})

describe('files and numbers', () => {
  it('knows a file by its name', () => {
    expect(fileKind('grids.geojson')).toBe('geojson')
    expect(fileKind('GRIDS.JSON')).toBe('geojson')
    expect(fileKind('shape.zip')).toBe('zip')
    expect(fileKind('shape.shp')).toBeNull()
    expect(fileKind('notes.txt')).toBeNull()
  })
  it('writes square metres', () => {
    expect(squareMetres(170642.3)).toBe('170,642')
    expect(squareMetres(1)).toBe('1')
    expect(squareMetres(undefined)).toBe('–')
  })
})

describe('rule texts of the import', () => {
  const zh = { locale: 'zh-CN' }
  it('every geometry and file rule has a Chinese text', () => {
    for (const rule of ['self_intersection', 'closed', 'too_few_points', 'hole_outside', 'prj', 'crs', 'zip', 'geojson', 'parent_mismatch', 'overlap', 'gap', 'outside']) {
      const s = ruleText(t, { field: 'x', rule, message: '' })
      expect(s, rule).toMatch(/[\u4e00-\u9fff]/)
    }
    expect(fieldMessage(t, selfIntersecting.errors![0], zh)).toBe('边界自相交：边线相互交叉或接触')
  })
  it('in English the rule text is English', () => {
    try {
      g.locale.value = 'en'
      expect(ruleText(t, { field: 'x', rule: 'self_intersection', message: '' })).toBe('the boundary intersects itself: edges cross or touch')
    } finally {
      g.locale.value = 'zh-CN'
    }
  })
  it('names where in the feature', () => {
    expect(fieldLabel(t, 'features[1].geometry.coordinates[0][0]')).toBe('第 2 个要素的几何图形（coordinates[0][0]）')
    expect(fieldLabel(t, 'geometry.parts[2][17]')).toBe('几何图形（parts[2][17]）')
    expect(fieldLabel(t, 'properties.code')).toBe('编码')
    expect(fieldLabel(t, 'properties.parent_code')).toBe('上级节点')
    expect(fieldLabel(t, 'geometry')).toBe('几何图形')
  })
})

describe('file errors of the import', () => {
  it('a truncated GeoJSON file is an error of the file, not of a feature', () => {
    const e = { field: 'body', rule: 'json', message: 'file: line 1, column 44 (byte offset 43): unexpected end of input' }
    const r = readFailure({ status: 400, errors: [e] })
    expect(r.rows).toEqual([])
    expect(r.file).toEqual([e])
  })
})
