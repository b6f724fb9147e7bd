import type { Cell } from './queryResult'

export type SortDirection = 'ascending' | 'descending'

/** Numbers numerically, everything else with a natural locale compare; nulls always last. */
export function compareCells(a: Cell, b: Cell): number {
  if (a === null && b === null) return 0
  if (a === null) return 1
  if (b === null) return -1
  const na = typeof a === 'number' ? a : Number(a)
  const nb = typeof b === 'number' ? b : Number(b)
  if (typeof a !== 'boolean' && typeof b !== 'boolean' && a !== '' && b !== '' && Number.isFinite(na) && Number.isFinite(nb)) {
    return na - nb
  }
  return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' })
}

export function sortRows(rows: Cell[][], column: number, direction: SortDirection): Cell[][] {
  const sign = direction === 'ascending' ? 1 : -1
  return rows
    .map((row, i) => ({ row, i }))
    .sort((x, y) => {
      const xa = x.row[column]
      const ya = y.row[column]
      if (xa === null || ya === null) return compareCells(xa, ya) || x.i - y.i
      return sign * compareCells(xa, ya) || x.i - y.i
    })
    .map((x) => x.row)
}
