import { branchAt, isActive, newId, pendingAnswer, type AssistantMessage, type ChatMessage, type UserMessage } from './chatModel'

/**
 * What a regenerate, an edit or a retry does to the conversation on screen, as pure functions of the
 * messages; useChat starts or rejoins the run they name.
 */

export interface BranchTurn {
  /** The conversation cut at the replaced question, with the new question and its pending answer. */
  messages: ChatMessage[]
  user: UserMessage
  answer: AssistantMessage
  /** The task of the replaced turn (what the request names). */
  taskId: string
}

/** Regenerate / edit at user message `userIndex` with question `text`; null when that message started
 *  no task yet or a run is still active (the gateway would refuse it). */
export function branchTurn(messages: ChatMessage[], userIndex: number, text: string): BranchTurn | null {
  const target = messages[userIndex]
  if (target?.kind !== 'user' || !target.taskId || messages.some(isActive)) return null
  const { before, versions } = branchAt(messages, userIndex)
  const user: UserMessage = { kind: 'user', id: newId('u'), text }
  const answer = { ...pendingAnswer(text), versions }
  return { messages: [...before, user, answer], user, answer, taskId: target.taskId }
}

/** A branch refused before anything started (409, 404...): the conversation as it was, with `notice`
 *  on the answer it was to replace (the server kept it too). */
export function refusedBranch(previous: ChatMessage[], userIndex: number, notice: string): ChatMessage[] {
  const replaced = previous[userIndex + 1]
  return previous.map((m) => (m === replaced && m.kind === 'assistant' ? { ...m, notice } : m))
}

export type Retry =
  /** The run started but this tab lost its stream: rejoin it, showing the answer streaming again. */
  | { kind: 'rejoin'; user: UserMessage; answer: AssistantMessage; taskId: string }
  /** Ask the question again; `drop`: nothing was started, take the failed attempt off the screen first. */
  | { kind: 'resend'; question: string; drop: boolean }

export function retryPlan(messages: ChatMessage[], answerId: string): Retry | null {
  const answer = messages.find((m): m is AssistantMessage => m.id === answerId && m.kind === 'assistant')
  if (!answer) return null
  if (answer.error?.kind === 'connection' && answer.taskId) {
    const before = messages[messages.indexOf(answer) - 1]
    const user: UserMessage = before?.kind === 'user' ? before : { kind: 'user', id: newId('u'), text: answer.question }
    return { kind: 'rejoin', user, answer: { ...answer, status: 'streaming', error: undefined }, taskId: answer.taskId }
  }
  return { kind: 'resend', question: answer.question, drop: !answer.taskId }
}

/** `messages` without the failed attempt `answerId` and the question before it. */
export function withoutAttempt(messages: ChatMessage[], answerId: string): ChatMessage[] {
  const i = messages.findIndex((m) => m.id === answerId)
  return i > 0 ? [...messages.slice(0, i - 1), ...messages.slice(i + 1)] : messages
}
