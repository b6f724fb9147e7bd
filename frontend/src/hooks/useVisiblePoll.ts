import { useEffect, useLayoutEffect, useRef } from 'react'

/**
 * Calls `poll` every `intervalMs` while the page is visible, and at once when it becomes visible again;
 * a hidden page (a background tab, a locked phone) calls nothing. See state/sessionSync.ts for why the
 * session list is polled this way.
 */
export function useVisiblePoll(poll: () => void, intervalMs: number, enabled = true): void {
  const latest = useRef(poll)
  useLayoutEffect(() => {
    latest.current = poll
  })
  useEffect(() => {
    if (!enabled) return
    let timer: ReturnType<typeof setInterval> | undefined
    const visible = () => document.visibilityState === 'visible'
    const start = () => {
      clearInterval(timer)
      timer = setInterval(() => latest.current(), intervalMs)
    }
    const onVisibility = () => {
      if (!visible()) {
        clearInterval(timer)
        return
      }
      latest.current()
      start()
    }
    if (visible()) start()
    document.addEventListener('visibilitychange', onVisibility)
    return () => {
      clearInterval(timer)
      document.removeEventListener('visibilitychange', onVisibility)
    }
  }, [intervalMs, enabled])
}
