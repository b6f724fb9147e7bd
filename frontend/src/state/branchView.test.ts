import { describe, expect, it } from 'vitest'
import { assistantMessage, userMessage } from '../test/wire'
import type { TranscriptMessage } from '../api/types'
import { shownThread } from './branchView'
import { fromTranscript } from './chatModel'

const turn = (taskId: string, question: string, answer: string, versions: TranscriptMessage['versions'] = []): TranscriptMessage[] => [
  userMessage({ text: question, task_id: taskId }),
  assistantMessage({ text: answer, task_id: taskId, versions }),
]
/** Turn 1 of q1/q2/q3 edited to "q1 edited": the old turns 2 and 3 are the old version's tail. */
const edited = () => fromTranscript(turn('t4', 'q1 edited', 'a4', [{ question: 'q1', answer: turn('t1', 'q1', 'a1')[1], tail: [...turn('t2', 'q2', 'a2'), ...turn('t3', 'q3', 'a3')] }]))
const texts = (rows: ReturnType<typeof shownThread>) => rows.map((r) => [r.message.text, r.earlier])

describe('shownThread', () => {
  it('shows the newest version of every turn by default, on the current branch', () => {
    const rows = shownThread(edited(), {})
    expect(texts(rows)).toEqual([['q1 edited', false], ['a4', false]])
    expect(rows[1].version).toEqual({ index: 1, count: 2, turn: 'a-t4' })
  })

  it('an earlier version of a turn shows the turns that followed it then, all read-only', () => {
    const rows = shownThread(edited(), { 'a-t4': 0 })
    expect(texts(rows)).toEqual([['q1', true], ['a1', true], ['q2', true], ['a2', true], ['q3', true], ['a3', true]])
    expect(rows[1].version).toEqual({ index: 0, count: 2, turn: 'a-t4' })
    expect(rows[0].message).toMatchObject({ kind: 'user', taskId: 't1' })
  })

  it('keeps the turns before the switched one on the current branch and hides the current turns after it', () => {
    const messages = [...fromTranscript(turn('t0', 'q0', 'a0')), ...edited(), ...fromTranscript(turn('t5', 'q5', 'a5'))]
    expect(texts(shownThread(messages, { 'a-t4': 0 })).map(([t]) => t)).toEqual(['q0', 'a0', 'q1', 'a1', 'q2', 'a2', 'q3', 'a3'])
    expect(shownThread(messages, { 'a-t4': 0 }).slice(0, 2).every((r) => !r.earlier)).toBe(true)
  })

  it('a turn inside an earlier branch switches to its own versions the same way', () => {
    const inner = turn('t2', 'q2', 'a2', [{ question: 'q2 first', answer: turn('t9', 'q2 first', 'a9')[1], tail: turn('t8', 'q8', 'a8') }])
    const messages = fromTranscript(turn('t4', 'q1 edited', 'a4', [{ question: 'q1', answer: turn('t1', 'q1', 'a1')[1], tail: inner }]))
    const rows = shownThread(messages, { 'a-t4': 0, 'a-t2': 0 })
    expect(rows.map((r) => r.message.text)).toEqual(['q1', 'a1', 'q2 first', 'a9', 'q8', 'a8'])
    expect(rows[3].version).toEqual({ index: 0, count: 2, turn: 'a-t2' })
  })

  it('an index past the versions shows the newest', () => {
    expect(texts(shownThread(edited(), { 'a-t4': 7 }))).toEqual([['q1 edited', false], ['a4', false]])
  })
})
