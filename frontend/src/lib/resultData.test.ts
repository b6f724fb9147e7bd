import { describe, expect, it } from 'vitest'
import { toCsv } from './csv'
import type { QueryData } from '../api/types'
import { chartShape, fromData, stepResult } from './queryResult'
import { sortRows } from './rowSort'

describe('toCsv', () => {
  it('quotes commas, quotes and newlines and leaves NULL empty', () => {
    expect(toCsv(['name', 'note'], [['a,b', 'say "hi"'], ['line\nbreak', null]])).toBe(
      'name,note\r\n"a,b","say ""hi"""\r\n"line\nbreak",\r\n',
    )
  })
})

describe('sortRows', () => {
  it('sorts numbers numerically, text naturally, nulls last in both directions', () => {
    const rows = [['b', 10], ['a', 9], ['c', null], ['a2', 100]]
    expect(sortRows(rows, 1, 'ascending').map((r) => r[1])).toEqual([9, 10, 100, null])
    expect(sortRows(rows, 1, 'descending').map((r) => r[1])).toEqual([100, 10, 9, null])
    expect(sortRows(rows, 0, 'ascending').map((r) => r[0])).toEqual(['a', 'a2', 'b', 'c'])
  })
})

const data = (columns: string[], rows: unknown[][], chart: QueryData['chart'] = null): QueryData => ({
  call_id: 'c', name: 'run_query', sql: 'SELECT 1', columns, rows, row_count: rows.length, truncated: false, chart,
})

describe('stepResult / chartShape', () => {
  it('takes the result from the step data (the data event), and none from a step without it', () => {
    const r = stepResult({ data: data(['c', 'n'], [['x', { a: 1 }]]) })
    expect(r).toEqual({ columns: ['c', 'n'], rows: [['x', '{"a":1}']], rowCount: 1, truncated: false, sql: 'SELECT 1', chart: null })
    expect(stepResult({})).toBeNull()
  })

  it('charts what the server suggests, and nothing when it suggests no chart', () => {
    const rows = [['DE', 3, 10.5], ['FR', 2, 7]]
    const suggested = fromData(data(['country', 'customers', 'revenue'], rows, { kind: 'bar', x: 'country', y: ['customers', 'revenue'] }))
    expect(chartShape(suggested)).toEqual({ labelIndex: 0, valueIndexes: [1, 2] })
    expect(chartShape(fromData(data(['country', 'customers', 'revenue'], rows)))).toBeNull()
  })
})
