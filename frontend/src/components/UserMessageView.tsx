import { useState } from 'react'
import type { UserMessage } from '../state/chatModel'
import { AttachmentChip } from './AttachmentChip'

interface Props {
  message: UserMessage
  /** Absent when the question cannot be edited now (read-only view, a run going, not sent yet). */
  onEdit?: (id: string, text: string) => void
}

/** A question; "Edit" opens it in place: Enter resends it (the conversation is cut there), Esc cancels. */
export function UserMessageView({ message, onEdit }: Props) {
  const [draft, setDraft] = useState<string | null>(null)
  if (draft !== null && onEdit) {
    const send = () => {
      if (!draft.trim()) return
      setDraft(null)
      onEdit(message.id, draft)
    }
    return (
      <article className="message message--user message--editing" data-testid="user-editor" aria-label="Edit your message">
        <textarea
          className="message-edit"
          data-testid="edit-input"
          aria-label="Edit your message"
          value={draft}
          autoFocus
          rows={Math.min(6, draft.split('\n').length + 1)}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault()
              send()
            } else if (e.key === 'Escape') {
              e.preventDefault()
              setDraft(null)
            }
          }}
        />
        <div className="message-edit__actions">
          <button type="button" className="btn-small" onClick={() => setDraft(null)}>Cancel</button>
          <button type="button" className="btn-small btn-primary" data-testid="edit-send" onClick={send} disabled={!draft.trim()}>Send</button>
        </div>
      </article>
    )
  }
  const bubble = (
    <article className="message message--user" data-testid="user-message" aria-label="Your message">
      {!(message.attachments?.length && message.text.startsWith('[')) && <p>{message.text}</p>}
      {message.attachments?.length ? (
        <div className="message-attachments" aria-label="Attached files">
          {message.attachments.map((a) => (
            <AttachmentChip key={a.filename} filename={a.filename} size={a.size} />
          ))}
        </div>
      ) : null}
    </article>
  )
  if (!onEdit) return bubble
  return (
    <div className="user-turn">
      {bubble}
      <button type="button" className="btn-small message-edit__open" data-testid="edit-button" aria-label="Edit message" onClick={() => setDraft(message.text)}>
        Edit
      </button>
    </div>
  )
}
