// The figures of the case statistics as the page shows them (GET /stats/cases).
import type { CaseFigure } from '../api/types'

type Figure = Pick<CaseFigure, 'key' | 'value' | 'numerator' | 'denominator'>

const round = (v: number, digits: number) => {
  const f = 10 ** digits
  return Math.round(v * f) / f
}

/** An average (avg_accept_hours: working hours), not a share. */
export const isAverage = (f: Pick<CaseFigure, 'key'>) => f.key.startsWith('avg_')

/**
 * A figure's value: a share as a percentage with one decimal (84.6%), an average as a number with
 * one decimal (1.5), '—' when there is nothing to divide by (the server's value is then null).
 */
export function figureValue(f: Figure): string {
  if (!f.denominator || f.value == null || !Number.isFinite(f.value)) return '—'
  return isAverage(f) ? String(round(f.value, 1)) : `${round(f.value * 100, 1)}%`
}

/** What it divides: 6.9 / 12 (a weighted or summed numerator keeps at most two decimals). */
export function figureFraction(f: Figure): string {
  return `${round(f.numerator, 2)} / ${round(f.denominator, 2)}`
}
