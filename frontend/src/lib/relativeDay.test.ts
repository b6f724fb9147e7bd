import { describe, expect, it } from 'vitest'
import { dayLabel, groupByDay } from './relativeDay'

const now = new Date(2026, 11, 2, 15, 0).getTime()
const at = (day: number, hour = 10, year = 2026, month = 11) => new Date(year, month, day, hour).getTime()

describe('dayLabel', () => {
  it('says Today, Yesterday, or the date (with the year only when it is another year)', () => {
    expect(dayLabel(at(2, 0), now, 'en-US')).toBe('Today')
    expect(dayLabel(at(1, 23), now, 'en-US')).toBe('Yesterday')
    expect(dayLabel(at(28, 10, 2026, 10), now, 'en-US')).toBe('Sat, Nov 28')
    expect(dayLabel(at(28, 10, 2025, 10), now, 'en-US')).toBe('Fri, Nov 28, 2025')
  })
})

describe('groupByDay', () => {
  it('groups newest-first items under one heading per day', () => {
    const items = [at(2, 14), at(2, 9), at(1, 20), at(29, 8, 2026, 10)]
    const groups = groupByDay(items, (x) => x, now, 'en-US')
    expect(groups.map((g) => [g.label, g.items.length])).toEqual([['Today', 2], ['Yesterday', 1], ['Sun, Nov 29', 1]])
  })
})
