import { afterEach, describe, expect, it } from 'vitest'
import { pendingAnswer } from './chatModel'
import { clearRun, loadRun, saveRun, savedSeq } from './runStore'

afterEach(() => window.sessionStorage.clear())

describe('runStore', () => {
  const run = { sessionId: 's1', taskId: 't1', lastSeq: 7, user: { kind: 'user' as const, id: 'u', text: 'q' }, answer: pendingAnswer('q') }

  it('keeps the run with its cursor per session until it is cleared', () => {
    saveRun(run)
    expect(loadRun('s1')).toEqual(run)
    expect(loadRun('s2')).toBeNull()
    clearRun('s1')
    expect(loadRun('s1')).toBeNull()
  })

  it('rejoins after the saved seq, or from the start when nothing (readable) is saved', () => {
    saveRun(run)
    expect(savedSeq('s1')).toBe(7)
    expect(savedSeq('s2')).toBe(-1)
    expect(savedSeq(null)).toBe(-1)
    window.sessionStorage.setItem('ai.run.s3', '{not json')
    expect(savedSeq('s3')).toBe(-1)
  })
})
