import type { AssistantMessage, ChatMessage } from './chatModel'

/**
 * Which branch of a conversation is on screen. Every turn with earlier versions (regenerated or edited
 * away) can show one of them; `shown` maps the turn's newest answer id to the version index chosen
 * (absent: the newest). Showing an earlier version of a turn shows the conversation as it was on that
 * branch: the turns before it, its question and answer, then the messages that followed it then (its
 * tail, whose own turns can be switched the same way), and nothing of the current branch after it.
 * Those rows are `earlier`: read-only, since the model only knows the current branch (a conversation
 * continues from its latest version).
 */

export interface ShownRow {
  message: ChatMessage
  /** On an earlier branch: shown as it was, with no edit, regenerate, retry or feedback. */
  earlier: boolean
  /** An answer whose turn has several versions: the one shown, how many, and the turn they belong to. */
  version?: { index: number; count: number; turn: string }
}

export type ShownVersions = Record<string, number>

export function shownThread(messages: ChatMessage[], shown: ShownVersions, earlier = false): ShownRow[] {
  const rows: ShownRow[] = []
  for (let i = 0; i < messages.length; i += 1) {
    const m = messages[i]
    const next = messages[i + 1]
    const picked = m.kind === 'user' && next?.kind === 'assistant' ? pickedVersion(next, shown) : null
    if (picked && next?.kind === 'assistant') {
      const { index, count } = picked
      const version = next.versions![index]
      rows.push({ message: { ...m, id: `${m.id}~${index}`, text: version.question, taskId: version.answer.taskId }, earlier: true })
      rows.push({ message: version.answer, earlier: true, version: { index, count, turn: next.id } })
      return [...rows, ...shownThread(version.tail, shown, true)]
    }
    if (m.kind === 'assistant' && m.versions?.length) {
      rows.push({ message: m, earlier, version: { index: m.versions.length, count: m.versions.length + 1, turn: m.id } })
    } else {
      rows.push({ message: m, earlier })
    }
  }
  return rows
}

/** The earlier version chosen for the turn answered by `answer`, or null when its newest is shown. */
function pickedVersion(answer: AssistantMessage, shown: ShownVersions): { index: number; count: number } | null {
  const earlier = answer.versions ?? []
  const index = shown[answer.id]
  return index !== undefined && index < earlier.length ? { index, count: earlier.length + 1 } : null
}
