import { useEffect, useState } from 'react'

function secondsLeft(seconds: number | undefined, startedAt: number | undefined): number {
  return seconds && startedAt ? Math.max(0, Math.ceil(seconds - (Date.now() - startedAt) / 1000)) : 0
}

/** Seconds left until `startedAt + seconds` (ticks while counting; 0 when over). */
export function useCountdown(seconds: number | undefined, startedAt: number | undefined): number {
  const [, tick] = useState(0)
  const value = secondsLeft(seconds, startedAt)
  const counting = value > 0
  useEffect(() => {
    if (!counting) return
    const timer = setInterval(() => tick((n) => n + 1), 250)
    return () => clearInterval(timer)
  }, [counting])
  return value
}
