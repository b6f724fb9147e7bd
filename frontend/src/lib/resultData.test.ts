import { describe, expect, it } from 'vitest'
import { toCsv } from './csv'
import { asQueryResult, chartShape } from './queryResult'
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

describe('asQueryResult / chartShape', () => {
  it('accepts the run_query shape, also as a JSON string or with object rows', () => {
    const r = asQueryResult('{"columns":["c","n"],"rows":[{"c":"x","n":1}],"row_count":1,"truncated":false}')
    expect(r).toEqual({ columns: ['c', 'n'], rows: [['x', 1]], rowCount: 1, truncated: false })
    expect(asQueryResult({ tables: [] })).toBeNull()
    expect(asQueryResult('plain text')).toBeNull()
  })

  it('offers a chart for one label column plus numeric columns only', () => {
    const chartable = asQueryResult({ columns: ['country', 'customers', 'revenue'], rows: [['DE', 3, 10.5], ['FR', 2, 7]] })!
    expect(chartShape(chartable)).toEqual({ labelIndex: 0, valueIndexes: [1, 2] })
    const single = asQueryResult({ columns: ['count'], rows: [[42]] })!
    expect(chartShape(single)).toBeNull()
    const text = asQueryResult({ columns: ['a', 'b'], rows: [['x', 'y'], ['z', 'w']] })!
    expect(chartShape(text)).toBeNull()
  })
})
