import { afterEach, describe, expect, it, vi } from 'vitest'
import type { SessionDetail, TaskState } from '../api/types'
import { assistantMessage, sessionSummary, userMessage } from '../test/wire'
import { pendingAnswer } from './chatModel'
import { loadRun, saveRun, type StoredRun } from './runStore'
import { replayView, restorePlan, restoreSession } from './sessionRestore'

const detail = (over: Partial<SessionDetail> = {}): SessionDetail => ({
  ...sessionSummary({ session_id: 's1' }),
  messages: [userMessage({ text: 'q1', task_id: 't1' }), assistantMessage({ text: 'a1', task_id: 't1' })],
  ...over,
})
const stored = (taskId: string): StoredRun => ({
  sessionId: 's1', taskId, lastSeq: 4, user: { kind: 'user', id: 'u', text: 'q2', taskId }, answer: { ...pendingAnswer('q2'), taskId, text: 'par' },
})
const task = (over: Partial<TaskState>): TaskState => ({
  task_id: 't2', status: 'running', attempts: 1, session_id: 's1', created_at: 1, started_at: 1, finished_at: null, worker: 'w',
  cancel_requested: false, message: 'q2', replaces: null, events_url: '', ...over,
})

describe('restorePlan', () => {
  it('rejoins the run this tab saved while the transcript does not hold its answer yet', () => {
    const plan = restorePlan(detail({ active_task: 't2' }), stored('t2'))
    expect(plan.kind).toBe('rejoin')
    if (plan.kind !== 'rejoin') return
    expect(plan.run.lastSeq).toBe(4)
    expect(plan.messages.map((m) => m.kind === 'assistant' ? m.text : m.text)).toEqual(['q1', 'a1', 'q2', 'par'])
  })

  it('shows the transcript and forgets the saved run once the transcript holds its answer', () => {
    expect(restorePlan(detail(), stored('t1'))).toMatchObject({ kind: 'history', forget: true })
    expect(restorePlan(detail(), null)).toMatchObject({ kind: 'history', forget: false })
  })

  it('replays a run this tab was not reading from the session active task', () => {
    expect(restorePlan(detail({ active_task: 't9' }), null)).toMatchObject({ kind: 'replay', taskId: 't9', forget: false })
  })

  it('does not replay an active task the transcript already recorded', () => {
    expect(restorePlan(detail({ active_task: 't1' }), null).kind).toBe('history')
  })
})

describe('replayView', () => {
  const history = restorePlan(detail(), null)
  const messages = history.kind === 'history' ? history.messages : []

  it('appends the task question and a pending answer marked as started elsewhere', () => {
    const view = replayView(messages, 't2', task({}))
    expect(view.messages).toHaveLength(4)
    expect(view.user).toMatchObject({ text: 'q2', taskId: 't2' })
    expect(view.answer).toMatchObject({ taskId: 't2', status: 'pending', notice: 'Answer in progress (started elsewhere)' })
  })

  it('cuts the conversation at the turn a regenerate run replaces, keeping the old answer as a version', () => {
    const view = replayView(messages, 't2', task({ message: 'q1', replaces: 't1' }))
    expect(view.messages).toHaveLength(2)
    expect(view.answer.versions?.[0]).toMatchObject({ question: 'q1', answer: { text: 'a1' } })
  })

  it('shows a placeholder question when the task could not be read', () => {
    expect(replayView(messages, 't2', null).user.text).toBe('…')
  })
})

describe('restoreSession', () => {
  afterEach(() => window.sessionStorage.clear())
  const client = (d: SessionDetail, state: TaskState | null = null) => ({
    getSession: vi.fn(async () => d),
    getTask: vi.fn(async () => (state ? state : Promise.reject(new Error('no task')))),
  })
  const view = (current = () => true) => ({ current, show: vi.fn(), rejoin: vi.fn() })

  it('shows the saved partial answer and rejoins this tab run after its last seq', async () => {
    const run = stored('t2')
    saveRun(run)
    const v = view()
    await restoreSession(client(detail({ active_task: 't2' })), 's1', v)
    expect(v.show.mock.calls[0][0]).toHaveLength(4)
    expect(v.rejoin).toHaveBeenCalledWith(run.user, run.answer, { taskId: 't2', lastSeq: 4 })
  })

  it('replays a run started elsewhere from its start, forgetting the finished saved run', async () => {
    saveRun(stored('t1'))
    const v = view()
    const c = client(detail({ active_task: 't2' }), task({}))
    await restoreSession(c, 's1', v)
    expect(loadRun('s1')).toBeNull()
    expect(c.getTask).toHaveBeenCalledWith('t2')
    expect(v.rejoin.mock.calls[0][1]).toMatchObject({ taskId: 't2', notice: 'Answer in progress (started elsewhere)' })
    expect(v.rejoin.mock.calls[0][2]).toEqual({ taskId: 't2', lastSeq: -1 })
  })

  it('replays with a placeholder question when the task cannot be read', async () => {
    const v = view()
    await restoreSession(client(detail({ active_task: 't2' })), 's1', v)
    expect(v.rejoin.mock.calls[0][0]).toMatchObject({ text: '…', taskId: 't2' })
  })

  it('shows the transcript alone and forgets a saved run it already holds', async () => {
    saveRun(stored('t1'))
    const v = view()
    await restoreSession(client(detail()), 's1', v)
    expect(v.show.mock.calls[0][0]).toHaveLength(2)
    expect(v.rejoin).not.toHaveBeenCalled()
    expect(loadRun('s1')).toBeNull()
  })

  it('shows nothing once the tab has moved on', async () => {
    saveRun(stored('t2'))
    const v = view(() => false)
    await restoreSession(client(detail({ active_task: 't2' })), 's1', v)
    expect(v.show).not.toHaveBeenCalled()
    expect(v.rejoin).not.toHaveBeenCalled()
  })
})
