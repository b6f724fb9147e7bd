import { useCallback, useEffect, useRef, useState } from 'react'
import { useAgents } from '../hooks/useAgents'
import { useChat } from '../hooks/useChat'
import { useHealth } from '../hooks/useHealth'
import { useMediaQuery } from '../hooks/useMediaQuery'
import { useSessionSearch } from '../hooks/useSessionSearch'
import { useSessions } from '../hooks/useSessions'
import { useTheme } from '../hooks/useTheme'
import { useMe } from '../hooks/useMe'
import { useUiConfig } from '../hooks/useUiConfig'
import { useVisiblePoll } from '../hooks/useVisiblePoll'
import { isActive, type AssistantMessage } from '../state/chatModel'
import { loadApiKey, loadToken, saveApiKey, saveToken } from '../state/credentialStore'
import { SYNC_MS } from '../state/sessionSync'
import type { ApprovalDecision, Rating } from '../api/types'
import { AgentPicker } from './AgentPicker'
import { ApiKeyDialog } from './ApiKeyDialog'
import { Composer } from './Composer'
import { ConversationMenu } from './ConversationMenu'
import { MessageList } from './MessageList'
import { ModelBadge } from './ModelBadge'
import { Sidebar } from './Sidebar'
import { SignInDialog } from './SignInDialog'
import { ThemeToggle } from './ThemeToggle'
import { UserBadge } from './UserBadge'

const EXAMPLES = ['How many customers are there?', 'Top 5 customers by revenue', 'Total revenue per country']
/** Below this width the sidebar becomes a drawer behind the menu button (kept in sync with app.css). */
export const NARROW = '(max-width: 720px)'

/**
 * The chat screen: header and composer fixed, the message list the only part that scrolls (the app
 * fills the viewport; see app.css), the sidebar beside it or, on narrow screens, a modal drawer.
 */
export function App() {
  const [apiKey, setApiKey] = useState(loadApiKey)
  const [pastedToken, setPastedToken] = useState(loadToken)
  const [keyPrompt, setKeyPrompt] = useState<null | 'missing' | 'rejected' | 'change'>(null)
  const [signInPrompt, setSignInPrompt] = useState<null | 'change' | 'rejected'>(null)
  const { theme, toggle } = useTheme()
  const health = useHealth()
  const uiConfig = useUiConfig()
  // a pasted token wins; else the devstack's demo user (UI_DEMO_USER), else the key alone
  const token = pastedToken || uiConfig?.demo_token || ''
  const me = useMe(apiKey, token)
  const sessions = useSessions(apiKey, token)
  const agents = useAgents(sessions.client, sessions.signed)
  const [query, setQuery] = useState('')
  const [renames, setRenames] = useState(0)
  const search = useSessionSearch(sessions.client, query, renames)
  const narrow = useMediaQuery(NARROW)
  const [drawerOpen, setDrawerOpen] = useState(false)
  const drawer = narrow && drawerOpen
  const menuRef = useRef<HTMLButtonElement>(null)
  const sidebarRef = useRef<HTMLElement>(null)
  const needCredentials = useCallback(
    (reason: 'missing' | 'rejected') => (token && reason === 'rejected' ? setSignInPrompt('rejected') : setKeyPrompt(reason)),
    [token],
  )
  const chat = useChat({
    apiKey,
    token,
    agent: agents.chosen,
    onNeedKey: needCredentials,
    onSessionsChanged: () => void sessions.refresh(),
  })
  // another tab or device of this user: its runs and turns show here too (state/sessionSync.ts)
  useVisiblePoll(() => void sessions.refresh(true), SYNC_MS, sessions.signed)
  const { sync } = chat
  useEffect(() => sync(sessions.sessions), [sync, sessions.sessions])

  const returnFocus = useRef(false)
  const closeDrawer = useCallback(() => {
    returnFocus.current = true
    setDrawerOpen(false)
  }, [])
  useEffect(() => {
    if (!drawer) {
      // after the render that lifts `inert` from the main area, or the focus would not move
      if (returnFocus.current) menuRef.current?.focus()
      returnFocus.current = false
      return
    }
    sidebarRef.current?.querySelector<HTMLElement>('[aria-current=page], button')?.focus()
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') closeDrawer()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [drawer, closeDrawer])

  const saveKey = useCallback((key: string) => {
    saveApiKey(key)
    setApiKey(key)
    setKeyPrompt(null)
  }, [])
  const signIn = useCallback((value: string) => {
    saveToken(value)
    setPastedToken(value)
    setSignInPrompt(null)
  }, [])
  // nothing to sign in with once the gateway's UI config is known: ask for a key
  const prompt = keyPrompt ?? (uiConfig && !apiKey && !token ? 'missing' : null)
  const dialogOpen = Boolean(prompt || signInPrompt)
  const remove = useCallback(
    async (id: string) => {
      try {
        await sessions.remove(id)
        chat.forgetSession(id)
      } catch {
        void sessions.refresh()
      }
    },
    [chat, sessions],
  )
  const rename = useCallback(
    async (id: string, title: string) => {
      await sessions.rename(id, title)
      setRenames((n) => n + 1) // search results show titles too
    },
    [sessions],
  )
  const sessionId = chat.sessionId
  const feedback = useCallback(
    async (taskId: string, rating: Rating | null, comment: string) => {
      if (!sessionId) return null
      if (rating === null) {
        await sessions.client.clearFeedback(sessionId, taskId)
        return null
      }
      return sessions.client.setFeedback(sessionId, taskId, rating, comment)
    },
    [sessions.client, sessionId],
  )
  const decide = useCallback(
    (taskId: string, approvalId: string, decision: ApprovalDecision) => sessions.client.decideApproval(taskId, approvalId, decision),
    [sessions.client],
  )
  const inDrawer = (action: () => void) => () => {
    action()
    if (drawer) closeDrawer()
  }

  const active = chat.messages.findLast((m): m is AssistantMessage => m.kind === 'assistant' && isActive(m))
  const summary = sessions.sessions.find((s) => s.session_id === chat.sessionId)
  /** The agent on screen: the open conversation's (undefined while not known), or the new chat's pick. */
  const agentName = chat.sessionId ? (chat.agent ?? summary?.agent) : agents.chosen
  const picked = agents.list?.agents.find((a) => a.name === agentName)
  /** An agent without the analytics tools (none, or others such as the task list's): data examples
   *  would only be declined. */
  const talkOnly = Boolean(picked && !picked.tools?.includes('run_query'))
  const title = summary?.title

  return (
    <>
      <div className={`app${drawer ? ' app--drawer-open' : ''}`} inert={dialogOpen}>
        <Sidebar
          ref={sidebarRef}
          sessions={sessions.sessions}
          activeId={chat.sessionId}
          activeRunning={chat.running}
          error={sessions.error}
          drawer={narrow}
          open={drawerOpen}
          onNew={inDrawer(() => {
            chat.newChat()
            agents.reload()
          })}
          onOpen={(id) => inDrawer(() => chat.openSession(id))()}
          onDelete={(id) => void remove(id)}
          onRename={rename}
          query={query}
          onQuery={setQuery}
          found={search.result}
          searching={search.searching}
          searchError={search.error}
          onChangeKey={inDrawer(() => setKeyPrompt('change'))}
        />
        {drawer && <div className="drawer-backdrop" onClick={closeDrawer} data-testid="drawer-backdrop" />}
        <main className="chat" aria-label="Chat" inert={drawer}>
          <header className="chat__header" data-testid="chat-header">
            {narrow && (
              <button
                ref={menuRef}
                type="button"
                className="btn-icon"
                onClick={() => setDrawerOpen(true)}
                aria-label="Conversations"
                aria-expanded={drawerOpen}
                aria-controls="sidebar"
                data-testid="menu-button"
              >
                ☰
              </button>
            )}
            <div className="chat__heading">
              <h1 className="chat__title" data-testid="chat-title" title={title}>
                {chat.sessionId ? title || 'Conversation' : 'New chat'}
              </h1>
              <AgentPicker
                list={agents.list}
                chosen={agents.chosen}
                onChoose={agents.choose}
                conversation={chat.sessionId ? agentName : null}
                locked={chat.running}
              />
            </div>
            <ModelBadge health={health} />
            {chat.sessionId && <ConversationMenu key={chat.sessionId} client={sessions.client} sessionId={chat.sessionId} />}
            <UserBadge me={me} canSignIn={Boolean(uiConfig?.tokens)} onSignIn={() => setSignInPrompt('change')} />
            <ThemeToggle theme={theme} onToggle={toggle} />
          </header>
          <MessageList
            messages={chat.messages}
            connection={chat.connection}
            attempt={chat.reconnectAttempt}
            loading={chat.loadingSession}
            onRetry={chat.retry}
            onRegenerate={chat.regenerate}
            onEdit={chat.edit}
            onFeedback={feedback}
            onDecide={decide}
            conversation={chat.sessionId}
            empty={
              <div className="empty" data-testid="empty-state">
                <h2>{talkOnly ? 'Ask anything' : 'Ask a question about your data'}</h2>
                {picked?.description && (agents.list?.agents.length ?? 0) > 1 && (
                  <p className="muted" data-testid="agent-description">
                    {picked.name}: {picked.description}
                  </p>
                )}
                {!talkOnly && (
                  <ul>
                    {EXAMPLES.map((q) => (
                      <li key={q}>
                        <button type="button" className="btn-link" onClick={() => chat.send(q)} disabled={chat.running}>
                          {q}
                        </button>
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            }
          />
          <Composer
            running={chat.running}
            canStop={Boolean(active?.taskId)}
            stopping={Boolean(active?.stopping)}
            onSend={chat.send}
            onStop={chat.stop}
            placeholder={talkOnly ? 'Message…' : undefined}
            attach={!talkOnly}
            uploadMaxBytes={uiConfig?.upload_max_bytes}
          />
        </main>
      </div>
      {prompt && !signInPrompt && (
        <ApiKeyDialog
          reason={prompt}
          initial={apiKey}
          hint={uiConfig?.api_key_hint}
          onSave={saveKey}
          onCancel={apiKey || token ? () => setKeyPrompt(null) : undefined}
        />
      )}
      {signInPrompt && (
        <SignInDialog
          reason={signInPrompt}
          signedIn={Boolean(pastedToken)}
          devHint={Boolean(uiConfig?.demo_token)}
          onSave={signIn}
          onSignOut={() => signIn('')}
          onCancel={() => setSignInPrompt(null)}
        />
      )}
    </>
  )
}
