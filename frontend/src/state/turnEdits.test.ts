import { describe, expect, it } from 'vitest'
import { pendingAnswer, type AssistantMessage, type ChatMessage, type UserMessage } from './chatModel'
import { branchTurn, refusedBranch, retryPlan, withoutAttempt } from './turnEdits'

const q = (id: string, text: string, taskId?: string): UserMessage => ({ kind: 'user', id, text, taskId })
const a = (id: string, question: string, over: Partial<AssistantMessage> = {}): AssistantMessage => ({
  ...pendingAnswer(question), id, taskId: 't1', text: 'answer', status: 'completed', ...over,
})
const conversation = (): ChatMessage[] => [q('u1', 'first?', 't1'), a('a1', 'first?'), q('u2', 'second?', 't2'), a('a2', 'second?', { taskId: 't2' })]

describe('branchTurn', () => {
  it('cuts at the replaced question and keeps the replaced answer as a version of the new one', () => {
    const turn = branchTurn(conversation(), 2, 'second, again?')!
    expect(turn.taskId).toBe('t2')
    expect(turn.messages.map((m) => m.text)).toEqual(['first?', 'answer', 'second, again?', ''])
    expect(turn.messages.slice(-2)).toEqual([turn.user, turn.answer])
    expect(turn.answer).toMatchObject({ status: 'pending', question: 'second, again?' })
    expect(turn.answer.versions?.map((v) => v.question)).toEqual(['second?'])
  })

  it('the replaced version keeps the messages that came after the edited question', () => {
    const turn = branchTurn(conversation(), 0, 'first, again?')!
    expect(turn.messages.map((m) => m.text)).toEqual(['first, again?', ''])
    const [old] = turn.answer.versions!
    expect(old.question).toBe('first?')
    expect(old.tail.map((m) => m.text)).toEqual(['second?', 'answer'])
  })

  it('refuses a question that started no task yet, or while a run is active', () => {
    const unsent = [...conversation().slice(0, 2), q('u2', 'second?')]
    expect(branchTurn(unsent, 2, 'x')).toBeNull()
    const running = [...conversation().slice(0, 3), a('a2', 'second?', { status: 'streaming' })]
    expect(branchTurn(running, 0, 'x')).toBeNull()
    expect(branchTurn(conversation(), 1, 'x')).toBeNull()
  })
})

describe('refusedBranch', () => {
  it('restores the conversation with the notice on the answer it was to replace', () => {
    const before = conversation()
    const restored = refusedBranch(before, 2, 'Could not edit: busy')
    expect(restored[3]).toMatchObject({ id: 'a2', notice: 'Could not edit: busy' })
    expect(restored.slice(0, 3)).toEqual(before.slice(0, 3))
  })
})

describe('retryPlan', () => {
  it('rejoins a started run whose stream was lost, showing it streaming again', () => {
    const lost = a('a2', 'second?', { taskId: 't2', status: 'failed', error: { kind: 'connection', message: 'lost' } })
    const plan = retryPlan([...conversation().slice(0, 3), lost], 'a2')
    expect(plan).toMatchObject({ kind: 'rejoin', taskId: 't2', user: { id: 'u2' }, answer: { id: 'a2', status: 'streaming', error: undefined } })
  })

  it('asks again, dropping the failed attempt when nothing was started', () => {
    const refused = a('a2', 'second?', { taskId: null, status: 'failed', error: { kind: 'limited', message: 'busy' } })
    expect(retryPlan([...conversation().slice(0, 3), refused], 'a2')).toEqual({ kind: 'resend', question: 'second?', drop: true })
    const failed = a('a2', 'second?', { taskId: 't2', status: 'failed', error: { kind: 'run', message: 'model' } })
    expect(retryPlan([...conversation().slice(0, 3), failed], 'a2')).toEqual({ kind: 'resend', question: 'second?', drop: false })
  })

  it('has nothing to do for an unknown answer', () => {
    expect(retryPlan(conversation(), 'nope')).toBeNull()
  })
})

describe('withoutAttempt', () => {
  it('takes the answer and the question before it off the conversation', () => {
    expect(withoutAttempt(conversation(), 'a2').map((m) => m.id)).toEqual(['u1', 'a1'])
    expect(withoutAttempt(conversation(), 'nope')).toEqual(conversation())
  })
})
