import type { Ref } from 'react'
import type { SessionSummary } from '../api/types'
import { groupByDay, toMs } from '../lib/relativeDay'
import { SessionListItem } from './SessionListItem'

interface Props {
  sessions: SessionSummary[]
  activeId: string | null
  error: string | null
  /** On narrow screens the sidebar is a drawer: hidden (and inert) unless open. */
  drawer: boolean
  open: boolean
  onNew: () => void
  onOpen: (id: string) => void
  onDelete: (id: string) => void
  onChangeKey: () => void
  ref?: Ref<HTMLElement>
}

/** Conversations of this API key, newest first and grouped by day, "New chat", and the key setting. */
export function Sidebar({ sessions, activeId, error, drawer, open, onNew, onOpen, onDelete, onChangeKey, ref }: Props) {
  const groups = groupByDay(sessions, (s) => toMs(s.updated_at))
  return (
    <nav
      ref={ref}
      id="sidebar"
      className={`sidebar${drawer ? ' sidebar--drawer' : ''}${drawer && open ? ' sidebar--open' : ''}`}
      aria-label="Conversations"
      data-testid="sidebar"
      inert={drawer && !open}
      tabIndex={-1}
    >
      <button type="button" className="btn btn-primary sidebar__new" onClick={onNew} data-testid="new-chat">
        + New chat
      </button>
      {error && <p className="error-text small">{error}</p>}
      {sessions.length === 0 && !error && <p className="muted small">No conversations yet.</p>}
      <div className="sidebar__groups">
        {groups.map((g) => (
          <section key={g.label} className="session-group" aria-label={g.label} data-testid="session-group">
            <h2 className="session-group__label">{g.label}</h2>
            <ul className="session-list">
              {g.items.map((s) => (
                <SessionListItem key={s.id} session={s} active={s.id === activeId} onOpen={onOpen} onDelete={onDelete} />
              ))}
            </ul>
          </section>
        ))}
      </div>
      <div className="sidebar__footer">
        <button type="button" className="btn-small" onClick={onChangeKey} data-testid="change-key">
          API key
        </button>
      </div>
    </nav>
  )
}
