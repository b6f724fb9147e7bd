import type { Cell, QueryResult } from './queryResult'

/**
 * One number format for every table the UI draws (the tool step's preview and the answer's table):
 * Intl.NumberFormat in the reader's locale, with one number of decimals per column: none for whole
 * numbers, else as many as the column's values need between MIN_DECIMALS and MAX_DECIMALS — so a
 * column of amounts reads 165,350.40 above 120,000.35 instead of mixing 165350.4 and 120,000.35.
 */

const MIN_DECIMALS = 2
const MAX_DECIMALS = 4

function decimals(value: number): number {
  if (!Number.isFinite(value) || Number.isInteger(value)) return 0
  const text = String(value)
  if (text.includes('e')) return MAX_DECIMALS
  return Math.min(MAX_DECIMALS, text.split('.')[1]?.length ?? 0)
}

export type CellFormatter = (cell: Cell) => string

function columnFormatter(values: Cell[], locale?: string): CellFormatter {
  const needed = Math.max(0, ...values.map((v) => (typeof v === 'number' ? decimals(v) : 0)))
  const digits = needed === 0 ? 0 : Math.max(MIN_DECIMALS, needed)
  const format = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits })
  return (cell) => (typeof cell === 'number' ? format.format(cell) : cell === null ? '' : String(cell))
}

/** A formatter per column of `result`, decided from all of its rows (not just the visible page). */
export function columnFormatters(result: QueryResult, locale?: string): CellFormatter[] {
  return result.columns.map((_, i) => columnFormatter(result.rows.map((r) => r[i] ?? null), locale))
}
