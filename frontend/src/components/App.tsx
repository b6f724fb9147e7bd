import { useCallback, useState } from 'react'
import { useChat } from '../hooks/useChat'
import { useHealth } from '../hooks/useHealth'
import { useSessions } from '../hooks/useSessions'
import { useTheme } from '../hooks/useTheme'
import { isActive, type AssistantMessage } from '../state/chatModel'
import { loadApiKey, saveApiKey } from '../state/apiKeyStore'
import { ApiKeyDialog } from './ApiKeyDialog'
import { Composer } from './Composer'
import { MessageList } from './MessageList'
import { ModelBadge } from './ModelBadge'
import { Sidebar } from './Sidebar'
import { ThemeToggle } from './ThemeToggle'

const EXAMPLES = ['How many customers are there?', 'Top 5 customers by revenue', 'Total revenue per country']

export function App() {
  const [apiKey, setApiKey] = useState(loadApiKey)
  const [keyPrompt, setKeyPrompt] = useState<null | 'missing' | 'rejected' | 'change'>(() => (loadApiKey() ? null : 'missing'))
  const { theme, toggle } = useTheme()
  const health = useHealth()
  const sessions = useSessions(apiKey)
  const chat = useChat({
    apiKey,
    onNeedKey: setKeyPrompt,
    onSessionsChanged: () => void sessions.refresh(),
  })

  const saveKey = useCallback(
    (key: string) => {
      saveApiKey(key)
      setApiKey(key)
      setKeyPrompt(null)
    },
    [],
  )
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

  const active = chat.messages.findLast((m): m is AssistantMessage => m.kind === 'assistant' && isActive(m))
  const title = sessions.sessions.find((s) => s.id === chat.sessionId)?.title

  return (
    <div className="app">
      <Sidebar
        sessions={sessions.sessions}
        activeId={chat.sessionId}
        error={sessions.error}
        onNew={chat.newChat}
        onOpen={chat.openSession}
        onDelete={(id) => void remove(id)}
      />
      <main className="chat" aria-label="Chat">
        <header className="chat__header">
          <h1 className="chat__title" data-testid="chat-title">{chat.sessionId ? title || 'Conversation' : 'New chat'}</h1>
          <ModelBadge health={health} />
          <button type="button" className="btn-small" onClick={() => setKeyPrompt('change')} data-testid="change-key">
            API key
          </button>
          <ThemeToggle theme={theme} onToggle={toggle} />
        </header>
        <MessageList
          messages={chat.messages}
          connection={chat.connection}
          attempt={chat.reconnectAttempt}
          loading={chat.loadingSession}
          onRetry={chat.retry}
          empty={
            <div className="empty" data-testid="empty-state">
              <h2>Ask a question about your data</h2>
              <ul>
                {EXAMPLES.map((q) => (
                  <li key={q}>
                    <button type="button" className="btn-link" onClick={() => chat.send(q)} disabled={chat.running}>
                      {q}
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          }
        />
        <Composer
          running={chat.running}
          canStop={Boolean(active?.taskId)}
          stopping={Boolean(active?.stopping)}
          onSend={chat.send}
          onStop={chat.stop}
        />
      </main>
      {keyPrompt && (
        <ApiKeyDialog
          reason={keyPrompt}
          initial={apiKey}
          onSave={saveKey}
          onCancel={apiKey ? () => setKeyPrompt(null) : undefined}
        />
      )}
    </div>
  )
}
