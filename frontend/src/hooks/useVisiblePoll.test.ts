import { renderHook } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useVisiblePoll } from './useVisiblePoll'

let state: DocumentVisibilityState = 'visible'
function setVisibility(next: DocumentVisibilityState) {
  state = next
  document.dispatchEvent(new Event('visibilitychange'))
}

beforeEach(() => {
  vi.useFakeTimers()
  state = 'visible'
  vi.spyOn(document, 'visibilityState', 'get').mockImplementation(() => state)
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('useVisiblePoll', () => {
  it('polls on its interval while the page is visible', () => {
    const poll = vi.fn()
    renderHook(() => useVisiblePoll(poll, 1000))
    vi.advanceTimersByTime(3500)
    expect(poll).toHaveBeenCalledTimes(3)
  })

  it('asks nothing while hidden, and at once when the page is shown again', () => {
    const poll = vi.fn()
    renderHook(() => useVisiblePoll(poll, 1000))
    setVisibility('hidden')
    vi.advanceTimersByTime(5000)
    expect(poll).not.toHaveBeenCalled()
    setVisibility('visible')
    expect(poll).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(1000)
    expect(poll).toHaveBeenCalledTimes(2)
  })

  it('stops when disabled or unmounted', () => {
    const poll = vi.fn()
    const { rerender, unmount } = renderHook(({ on }) => useVisiblePoll(poll, 1000, on), { initialProps: { on: false } })
    vi.advanceTimersByTime(3000)
    expect(poll).not.toHaveBeenCalled()
    rerender({ on: true })
    vi.advanceTimersByTime(1000)
    unmount()
    vi.advanceTimersByTime(3000)
    expect(poll).toHaveBeenCalledTimes(1)
  })
})
