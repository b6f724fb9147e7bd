import type { GatewayClient } from '../api/gatewayClient'
import type { SessionDetail, TaskState } from '../api/types'
import { branchAt, fromTranscript, newId, pendingAnswer, type AssistantMessage, type ChatMessage, type UserMessage } from './chatModel'
import type { Resume } from './liveRun'
import { clearRun, loadRun, type StoredRun } from './runStore'

/**
 * Persistence on reopening a session: what to show and which run to rejoin, from the session's stored
 * transcript (`GET /ai/api/sessions/{id}`) and the run this tab saved for it (runStore), if any.
 * `restorePlan` and `replayView` decide; `restoreSession` fetches, decides and hands the result to the view.
 */

export type Restore =
  /** Nothing to rejoin: the transcript is the conversation (`forget`: the saved run is finished). */
  | { kind: 'history'; messages: ChatMessage[]; forget: boolean }
  /** This tab's unfinished run: show its partial answer and rejoin after its last seq. */
  | { kind: 'rejoin'; messages: ChatMessage[]; run: StoredRun }
  /** A run this tab was not reading (another tab, or storage lost): fetch its task, then `replay`. */
  | { kind: 'replay'; history: ChatMessage[]; taskId: string; forget: boolean }

export function restorePlan(detail: SessionDetail, stored: StoredRun | null): Restore {
  const history = fromTranscript(detail.messages)
  const finished = stored && detail.messages.some((m) => m.task_id === stored.taskId && m.role === 'assistant')
  if (stored && !finished) return { kind: 'rejoin', messages: [...history, stored.user, stored.answer], run: stored }
  const active = detail.active_task
  if (active && !detail.messages.some((m) => m.task_id === active)) {
    return { kind: 'replay', history, taskId: active, forget: Boolean(stored) }
  }
  return { kind: 'history', messages: history, forget: Boolean(stored) }
}

/** The conversation while replaying `taskId` from its start: its question (from the task, when it could
 *  be read) under the history, cut where a regenerate / edit run will cut it. */
export function replayView(history: ChatMessage[], taskId: string, state: TaskState | null): {
  messages: ChatMessage[]
  user: UserMessage
  answer: AssistantMessage
} {
  const question = state?.message ?? '…'
  const cutAt = state?.replaces ? history.findIndex((m) => m.kind === 'user' && m.taskId === state.replaces) : -1
  const { before, versions } = cutAt >= 0 ? branchAt(history, cutAt) : { before: history, versions: [] }
  const answer = { ...pendingAnswer(question), taskId, versions, notice: 'Answer in progress (started elsewhere)' }
  const user: UserMessage = { kind: 'user', id: newId('u'), text: question, taskId }
  return { messages: [...before, user, answer], user, answer }
}

export interface RestoreView {
  /** False once the tab has moved on (another session, a new chat): nothing more is shown. */
  current: () => boolean
  /** The session as read; false: the tab already shows all of it, so nothing is shown or rejoined. */
  read?: (detail: SessionDetail) => boolean
  show: (messages: ChatMessage[]) => void
  rejoin: (user: UserMessage, answer: AssistantMessage, resume: Resume) => void
}

/** Reopens session `id`: its transcript, plus its unfinished run rejoined (this tab's saved one after its
 *  last seq, or one started elsewhere from its start). Errors of the requests are the caller's. */
export async function restoreSession(client: Pick<GatewayClient, 'getSession' | 'getTask'>, id: string, view: RestoreView): Promise<void> {
  const detail = await client.getSession(id)
  if (!view.current() || (view.read && !view.read(detail))) return
  const plan = restorePlan(detail, loadRun(id))
  if (plan.kind === 'rejoin') {
    const { user, answer, taskId, lastSeq } = plan.run
    view.show(plan.messages)
    view.rejoin(user, answer, { taskId, lastSeq })
  } else if (plan.kind === 'replay') {
    if (plan.forget) clearRun(id)
    const state = await client.getTask(plan.taskId).catch(() => null)
    if (!view.current()) return
    const replay = replayView(plan.history, plan.taskId, state)
    view.show(replay.messages)
    view.rejoin(replay.user, replay.answer, { taskId: plan.taskId, lastSeq: -1 })
  } else {
    if (plan.forget) clearRun(id)
    view.show(plan.messages)
  }
}
