import { describe, expect, it } from 'vitest'
import { assistantMessage, sessionSummary, userMessage } from '../test/wire'
import { fromTranscript, pendingAnswer, type ChatMessage } from './chatModel'
import { needsCheck, showsAll } from './sessionSync'

const turn = [userMessage({ task_id: 't1' }), assistantMessage({ task_id: 't1' })]
const detail = (over = {}) => ({ ...sessionSummary({ updated_at: 5 }), messages: turn, ...over })
const shown: ChatMessage[] = fromTranscript(turn)

describe('needsCheck', () => {
  it('is quiet while the summary is what the tab last read and runs nothing new', () => {
    expect(needsCheck(sessionSummary({ updated_at: 5 }), 5, shown)).toBe(false)
    expect(needsCheck(undefined, 5, shown)).toBe(false)
  })

  it('checks when the conversation moved since it was read', () => {
    expect(needsCheck(sessionSummary({ updated_at: 6 }), 5, shown)).toBe(true)
  })

  it('checks when it runs a task the screen does not show, not one it shows', () => {
    expect(needsCheck(sessionSummary({ updated_at: 5, active_task: 't2' }), 5, shown)).toBe(true)
    const mine = [...shown, { ...pendingAnswer('q'), taskId: 't2' }]
    expect(needsCheck(sessionSummary({ updated_at: 5, active_task: 't2' }), 5, mine)).toBe(false)
  })
})

describe('showsAll', () => {
  it('holds when every stored turn is on screen as it ended', () => {
    expect(showsAll(detail(), shown)).toBe(true)
  })

  it('fails for a turn recorded elsewhere', () => {
    const more = [...turn, userMessage({ task_id: 't2' }), assistantMessage({ task_id: 't2' })]
    expect(showsAll(detail({ messages: more }), shown)).toBe(false)
  })

  it('fails for an answer that ended otherwise than the screen shows (a lost connection)', () => {
    const lost = shown.map((m) => (m.kind === 'assistant' ? { ...m, status: 'failed' as const } : m))
    expect(showsAll(detail(), lost)).toBe(false)
  })

  it('fails for a run in progress the screen does not show', () => {
    expect(showsAll(detail({ active_task: 't2' }), shown)).toBe(false)
  })
})
