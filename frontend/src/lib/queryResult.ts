import type { ChartSuggestion, QueryData } from '../api/types'

/**
 * Query results normalised to a column list and rows of cells, plus whether the data suits a chart
 * (one label column + numeric columns). The source is the `data` event (the full result, with the
 * server's chart suggestion), kept on the step; a tool's own output is only what the model was given.
 */

export type Cell = string | number | boolean | null

export interface QueryResult {
  columns: string[]
  rows: Cell[][]
  rowCount: number
  truncated: boolean
  sql?: string
  chart?: ChartSuggestion | null
}

function toCell(v: unknown): Cell {
  if (v === null || v === undefined) return null
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v
  return JSON.stringify(v)
}

export function fromData(data: QueryData): QueryResult {
  const columns = data.columns
  const rows = data.rows.map((r) => r.map(toCell))
  return { columns, rows, rowCount: data.row_count, truncated: data.truncated, sql: data.sql, chart: data.chart }
}

/** The result one finished tool step produced, or null (errors, non-tabular tools, still running). */
export function stepResult(step: { data?: QueryData }): QueryResult | null {
  return step.data ? fromData(step.data) : null
}

export interface ChartShape {
  labelIndex: number
  valueIndexes: number[]
}

function isNumeric(v: Cell): boolean {
  return typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)))
}

/** A chart fits when there are ≥2 rows, one label column and at least one all-numeric column. */
export function chartShape(result: QueryResult): ChartShape | null {
  if (result.rows.length < 2 || result.columns.length < 2) return null
  if (result.chart === null) return null // the server looked and says no chart fits
  if (result.chart) {
    const labelIndex = result.columns.indexOf(result.chart.x)
    const valueIndexes = result.chart.y.map((c) => result.columns.indexOf(c)).filter((i) => i >= 0)
    if (labelIndex >= 0 && valueIndexes.length > 0) return { labelIndex, valueIndexes }
  }
  const numeric = result.columns.map((_, i) => result.rows.every((r) => r[i] === null || isNumeric(r[i])))
  const labelIndex = numeric.findIndex((n) => !n)
  const label = labelIndex === -1 ? 0 : labelIndex
  const valueIndexes = numeric.flatMap((n, i) => (n && i !== label ? [i] : []))
  if (valueIndexes.length === 0) return null
  return { labelIndex: label, valueIndexes }
}
