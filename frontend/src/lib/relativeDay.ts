/**
 * Dates in the sidebar: conversations group under "Today", "Yesterday" or their date (in the reader's
 * locale, via Intl), each entry showing its time; with a date and a time two chats that begin with the
 * same words can still be told apart.
 */

export function toMs(value: number | string | null): number | null {
  if (value === null) return null
  const ms = typeof value === 'number' ? (value < 1e12 ? value * 1000 : value) : Date.parse(value)
  return Number.isFinite(ms) ? ms : null
}

function startOfDay(ms: number): number {
  const d = new Date(ms)
  d.setHours(0, 0, 0, 0)
  return d.getTime()
}

function capitalise(s: string): string {
  return s.charAt(0).toLocaleUpperCase() + s.slice(1)
}

/** "Today", "Yesterday", or the date ("Mon, Nov 30"; with the year when it is not this year). */
export function dayLabel(ms: number, now: number = Date.now(), locale?: string): string {
  const days = Math.round((startOfDay(now) - startOfDay(ms)) / 86_400_000)
  if (days === 0 || days === 1) {
    return capitalise(new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(-days, 'day'))
  }
  const sameYear = new Date(ms).getFullYear() === new Date(now).getFullYear()
  return new Date(ms).toLocaleDateString(locale, { weekday: 'short', month: 'short', day: 'numeric', year: sameYear ? undefined : 'numeric' })
}

export function timeLabel(ms: number, locale?: string): string {
  return new Date(ms).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })
}

export interface DayGroup<T> {
  label: string
  items: T[]
}

/** Items (newest first) grouped by the day of `when(item)`; items without a date go last, under "Earlier". */
export function groupByDay<T>(items: T[], when: (item: T) => number | null, now: number = Date.now(), locale?: string): DayGroup<T>[] {
  const groups: DayGroup<T>[] = []
  const undated: T[] = []
  for (const item of items) {
    const ms = when(item)
    if (ms === null) {
      undated.push(item)
      continue
    }
    const label = dayLabel(ms, now, locale)
    const last = groups[groups.length - 1]
    if (last?.label === label) last.items.push(item)
    else groups.push({ label, items: [item] })
  }
  if (undated.length) groups.push({ label: 'Earlier', items: undated })
  return groups
}
