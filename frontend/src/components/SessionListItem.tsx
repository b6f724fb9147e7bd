import { useState } from 'react'
import { ApiError } from '../api/apiError'
import type { SessionSummary } from '../api/types'
import { timeLabel, toMs } from '../lib/relativeDay'

interface Props {
  session: SessionSummary
  active: boolean
  /** A run is answering in it (here or elsewhere). */
  running?: boolean
  onOpen: (id: string) => void
  onDelete: (id: string) => void
  /** Resolves when saved; rejects with a message to show (the field stays open). */
  onRename: (id: string, title: string) => Promise<void>
  /** A search hit: the text around the words found. */
  match?: string | null
}

/**
 * One conversation: its title (up to two lines, full text on hover), time of the last message, size.
 * ✎ turns the title into a field: Enter or leaving it saves, Escape cancels. A conversation with a run in
 * progress says "Answering" in place of the time.
 */
export function SessionListItem({ session, active, running = false, onOpen, onDelete, onRename, match }: Props) {
  const title = session.title || 'Untitled conversation'
  const ms = toMs(session.updated_at)
  const count = `${session.message_count} message${session.message_count === 1 ? '' : 's'}`
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState(title)
  const [error, setError] = useState<string | null>(null)

  const finish = async (save: boolean) => {
    if (!editing) return
    const next = draft.trim()
    if (!save || next === title) {
      setEditing(false)
      setError(null)
      return
    }
    if (!next) {
      setError('A title cannot be empty.')
      return
    }
    try {
      await onRename(session.session_id, next)
      setEditing(false)
      setError(null)
    } catch (e) {
      setError(e instanceof ApiError ? e.detail : e instanceof Error && e.message ? e.message : 'Could not rename.')
    }
  }

  return (
    <li className={`session-item${active ? ' session-item--active' : ''}`} data-testid="session-item" data-session-id={session.session_id}>
      {editing ? (
        <div className="session-item__edit">
          <input
            className="session-item__input"
            aria-label="Conversation title"
            value={draft}
            maxLength={200}
            autoFocus
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') void finish(true)
              if (e.key === 'Escape') void finish(false)
            }}
            onBlur={() => void finish(true)}
            aria-invalid={Boolean(error)}
            data-testid="session-title-input"
          />
          {error && <span className="error-text small" role="alert">{error}</span>}
        </div>
      ) : (
        <button type="button" className="session-item__open" onClick={() => onOpen(session.session_id)} aria-current={active ? 'page' : undefined} title={title}>
          <span className="session-item__title">{title}</span>
          {match && <span className="session-item__match" data-testid="session-match">{match}</span>}
          <span className="session-item__meta" data-testid="session-meta">
            {running ? (
              <span className="session-item__live" data-testid="session-running">
                Answering ·{' '}
              </span>
            ) : ms !== null ? (
              `${timeLabel(ms)} · `
            ) : (
              ''
            )}
            {count}
          </span>
        </button>
      )}
      {!editing && (
        <button
          type="button"
          className="session-item__action"
          onClick={() => {
            setDraft(title)
            setEditing(true)
          }}
          aria-label={`Rename conversation: ${title}`}
          title="Rename"
          data-testid="session-rename"
        >
          ✎
        </button>
      )}
      <button type="button" className="session-item__delete" onClick={() => onDelete(session.session_id)} aria-label={`Delete conversation: ${title}`} data-testid="session-delete">
        ×
      </button>
    </li>
  )
}
