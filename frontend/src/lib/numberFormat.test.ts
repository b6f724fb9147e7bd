import { describe, expect, it } from 'vitest'
import { columnFormatters } from './numberFormat'

const result = (rows: (string | number | null)[][]) => ({ columns: ['a', 'b'], rows, rowCount: rows.length, truncated: false })

describe('columnFormatters', () => {
  it('gives every number of a column the same decimals, with locale grouping', () => {
    const [, revenue] = columnFormatters(result([['DE', 165350.4], ['FR', 120000.35], ['IT', 7]]), 'en-US')
    expect([165350.4, 120000.35, 7].map(revenue)).toEqual(['165,350.40', '120,000.35', '7.00'])
  })

  it('keeps integer columns without decimals and follows the locale', () => {
    const [, n] = columnFormatters(result([['x', 1234567]]), 'de-DE')
    expect(n(1234567)).toBe('1.234.567')
  })

  it('shows fractional columns with at least two decimals', () => {
    const [, share] = columnFormatters(result([['x', 0.5], ['y', 1]]), 'en-US')
    expect(share(0.5)).toBe('0.50')
  })

  it('leaves text as it is', () => {
    const [text] = columnFormatters(result([['2024-01', 1]]), 'en-US')
    expect(text('2024-01')).toBe('2024-01')
  })
})
