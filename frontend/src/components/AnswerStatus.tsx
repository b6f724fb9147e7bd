import type { ConnectionState } from '../api/taskStream'
import { waitingForApproval } from '../state/approvals'
import type { AssistantMessage } from '../state/chatModel'

/** The small line under an answer: thinking / approval / reconnecting / stopping / Stopped / duration. */
export function AnswerStatus({ answer, connection, attempt }: { answer: AssistantMessage; connection?: ConnectionState; attempt?: number }) {
  let text = ''
  if (answer.status === 'cancelled') text = 'Stopped'
  else if (answer.stopping) text = 'Stopping…'
  else if (connection === 'reconnecting') text = `Connection lost — reconnecting (attempt ${attempt})…`
  else if (answer.status === 'pending') text = 'Waiting for a worker…'
  else if (answer.status === 'streaming' && waitingForApproval(answer.approvals)) text = 'Waiting for your approval…'
  else if (answer.status === 'streaming' && !answer.text) text = answer.tools.some((t) => !t.done) ? 'Running tools…' : 'Thinking…'
  else if (answer.status === 'completed' && answer.durationMs) text = `Answered in ${(answer.durationMs / 1000).toFixed(1)} s`
  if (!text) return null
  return (
    <div className={`answer-status answer-status--${answer.status}`} data-testid="answer-status">
      {text}
    </div>
  )
}
