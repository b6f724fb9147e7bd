import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react'

/**
 * Follow-scroll: stick to the bottom while content grows, stop as soon as the user scrolls up (a
 * decreasing scrollTop — growth never decreases it, so our own scrolling is not mistaken for the
 * user's), resume when they come back to the bottom or press "jump to latest".
 *
 * Content grows in two ways: new events (`content` changes) and layout that settles later (a chart
 * chunk loading, a table page switch); the second is caught by a ResizeObserver on the content box.
 * A new conversation (`resetKey`) always starts following.
 */
export function useAutoScroll(
  ref: RefObject<HTMLElement | null>,
  contentRef: RefObject<HTMLElement | null>,
  content: unknown,
  resetKey: unknown,
) {
  const [following, setFollowing] = useState(true)
  const followingRef = useRef(true)
  const lastTop = useRef(0)

  const setFollow = useCallback((value: boolean) => {
    followingRef.current = value
    setFollowing(value)
  }, [])

  const toBottom = useCallback(() => {
    const el = ref.current
    if (!el) return
    el.scrollTop = el.scrollHeight
    lastTop.current = el.scrollTop
  }, [ref])

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

  // A new conversation: follow again (state adjusted during render, the ref before the scroll below).
  const [shownKey, setShownKey] = useState(resetKey)
  if (shownKey !== resetKey) {
    setShownKey(resetKey)
    setFollowing(true)
  }
  useLayoutEffect(() => {
    followingRef.current = true
  }, [resetKey])

  useLayoutEffect(() => {
    if (followingRef.current) toBottom()
  }, [content, resetKey, toBottom])

  useEffect(() => {
    const box = contentRef.current
    if (!box || typeof ResizeObserver === 'undefined') return
    const observer = new ResizeObserver(() => {
      if (followingRef.current) toBottom()
    })
    observer.observe(box)
    return () => observer.disconnect()
  }, [contentRef, toBottom])

  const jumpToLatest = useCallback(() => {
    setFollow(true)
    toBottom()
  }, [setFollow, toBottom])

  /** Stop following without a scroll of the user's (they act on something in place: a version flip). */
  const hold = useCallback(() => setFollow(false), [setFollow])

  return { following, onScroll, jumpToLatest, hold }
}
