import { describe, expect, it } from 'vitest'
import { placeResults, tableHeaders } from './resultPlacement'

const r = (id: string, columns: string[], rows: (string | number)[][] = [['x', 1]]) => ({ id, result: { columns, rows, rowCount: rows.length, truncated: false } })

describe('placeResults', () => {
  it('puts a result in place of the Markdown table that restates it', () => {
    const text = 'Revenue per country:\n\n| country | revenue |\n| --- | ---: |\n| DE | 1 |\n\nDE is highest.'
    const { inline, after } = placeResults(text, [r('q1', ['country', 'revenue'])])
    expect([...inline.keys()]).toEqual(['country|revenue'])
    expect(after).toEqual([])
  })

  it('shows a result the text does not restate after the text', () => {
    const { inline, after } = placeResults('Revenue grew.', [r('q1', ['month', 'revenue'])])
    expect(inline.size).toBe(0)
    expect(after.map((x) => x.id)).toEqual(['q1'])
  })

  it('does not repeat a single value the text states', () => {
    const { inline, after } = placeResults('There are **42** customers.', [r('q1', ['n'], [[42]])])
    expect(inline.size + after.length).toBe(0)
  })

  it('matches headers regardless of case and punctuation', () => {
    expect(tableHeaders('| Total_Revenue | Country |\n|:--|--:|')).toEqual(['totalrevenue|country'])
  })
})
