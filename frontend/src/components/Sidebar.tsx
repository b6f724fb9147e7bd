import type { Ref } from 'react'
import type { SessionSearch, SessionSummary } from '../api/types'
import { groupByDay, toMs } from '../lib/relativeDay'
import { SessionListItem } from './SessionListItem'

interface Props {
  sessions: SessionSummary[]
  activeId: string | null
  /** The open conversation is answering in this tab (the list may not say so yet). */
  activeRunning?: boolean
  error: string | null
  /** On narrow screens the sidebar is a drawer: hidden (and inert) unless open. */
  drawer: boolean
  open: boolean
  onNew: () => void
  onOpen: (id: string) => void
  onDelete: (id: string) => void
  onRename: (id: string, title: string) => Promise<void>
  onChangeKey: () => void
  /** The search box and what the server found for it (null while the box is empty). */
  query: string
  onQuery: (query: string) => void
  found: SessionSearch | null
  searching: boolean
  searchError: string | null
  ref?: Ref<HTMLElement>
}

/**
 * Conversations of this API key, newest first and grouped by day, "New chat", a search box (the
 * server searches titles and text) and the key setting.
 */
export function Sidebar(props: Props) {
  const { sessions, activeId, activeRunning, error, drawer, open, onNew, onOpen, onDelete, onRename, onChangeKey, ref } = props
  const { query, onQuery, found, searching, searchError } = props
  const groups = groupByDay(sessions, (s) => toMs(s.updated_at))
  const item = (s: SessionSummary, match?: string | null) => (
    <SessionListItem
      key={s.session_id}
      session={s}
      active={s.session_id === activeId}
      running={Boolean(s.active_task) || (s.session_id === activeId && activeRunning)}
      onOpen={onOpen} onDelete={onDelete} onRename={onRename} match={match} />
  )
  const searchingNow = Boolean(query.trim())
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
      <input
        type="search"
        className="sidebar__search"
        placeholder="Search conversations"
        aria-label="Search conversations"
        value={query}
        onChange={(e) => onQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && query) {
            e.stopPropagation()
            onQuery('')
          }
        }}
        data-testid="session-search"
      />
      {error && <p className="error-text small">{error}</p>}
      {!searchingNow && sessions.length === 0 && !error && <p className="muted small">No conversations yet.</p>}
      <div className="sidebar__groups">
        {searchingNow ? (
          <section className="session-group" aria-label="Search results" aria-busy={searching} data-testid="search-results">
            <h2 className="session-group__label" aria-live="polite">
              {searchError ?? (found && !searching ? `${found.sessions.length} found${found.truncated ? ' (newest searched)' : ''}` : 'Searching…')}
            </h2>
            {found && <ul className="session-list">{found.sessions.map((s) => item(s, s.match))}</ul>}
          </section>
        ) : (
          groups.map((g) => (
            <section key={g.label} className="session-group" aria-label={g.label} data-testid="session-group">
              <h2 className="session-group__label">{g.label}</h2>
              <ul className="session-list">{g.items.map((s) => item(s))}</ul>
            </section>
          ))
        )}
      </div>
      <div className="sidebar__footer">
        <button type="button" className="btn-small" onClick={onChangeKey} data-testid="change-key">
          API key
        </button>
      </div>
    </nav>
  )
}
