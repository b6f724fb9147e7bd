import { useCallback, useLayoutEffect, useRef, useState, type RefObject } from 'react'

/**
 * Follow-scroll: stick to the bottom while content grows, stop as soon as the user scrolls up (a
 * decreasing scrollTop — growth never decreases it, so our own scrolling is not mistaken for the
 * user's), resume when they come back to the bottom or press "jump to latest".
 */
export function useAutoScroll(ref: RefObject<HTMLElement | null>, content: unknown) {
  const [following, setFollowing] = useState(true)
  const followingRef = useRef(true)
  const lastTop = useRef(0)

  const setFollow = useCallback((value: boolean) => {
    followingRef.current = value
    setFollowing(value)
  }, [])

  const onScroll = useCallback(() => {
    const el = ref.current
    if (!el) return
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 24
    if (atBottom) {
      if (!followingRef.current) setFollow(true)
    } else if (el.scrollTop < lastTop.current - 2 && followingRef.current) {
      setFollow(false)
    }
    lastTop.current = el.scrollTop
  }, [ref, setFollow])

  useLayoutEffect(() => {
    const el = ref.current
    if (el && followingRef.current) {
      el.scrollTop = el.scrollHeight
      lastTop.current = el.scrollTop
    }
  }, [ref, content])

  const jumpToLatest = useCallback(() => {
    const el = ref.current
    if (!el) return
    setFollow(true)
    el.scrollTop = el.scrollHeight
    lastTop.current = el.scrollTop
  }, [ref, setFollow])

  return { following, onScroll, jumpToLatest }
}
