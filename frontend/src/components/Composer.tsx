import { useRef, useState, type KeyboardEvent } from 'react'

interface Props {
  running: boolean
  canStop: boolean
  stopping: boolean
  onSend: (text: string) => void
  onStop: () => void
  /** What the empty field invites (the agent decides: data questions, or anything). */
  placeholder?: string
}

/**
 * Message input. Enter sends, Shift+Enter adds a line. Typing stays possible while an answer streams;
 * only sending is blocked then (the gateway rejects a second run in a session with 409).
 */
export function Composer({ running, canStop, stopping, onSend, onStop, placeholder = 'Ask about your data…' }: Props) {
  const [text, setText] = useState('')
  const ref = useRef<HTMLTextAreaElement>(null)
  const canSend = !running && text.trim().length > 0

  const submit = () => {
    if (!canSend) return
    onSend(text)
    setText('')
    ref.current?.focus()
  }
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault()
      submit()
    }
  }
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault()
        submit()
      }}
    >
      <label htmlFor="composer-input" className="visually-hidden">
        Message
      </label>
      <textarea
        id="composer-input"
        ref={ref}
        data-testid="composer-input"
        value={text}
        rows={2}
        placeholder={`${placeholder} (Enter to send, Shift+Enter for a new line)`}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        autoFocus
      />
      {running ? (
        <button type="button" className="btn btn-stop" onClick={onStop} disabled={!canStop || stopping} data-testid="stop-button">
          {stopping ? 'Stopping…' : 'Stop'}
        </button>
      ) : (
        <button type="submit" className="btn btn-primary" disabled={!canSend} data-testid="send-button">
          Send
        </button>
      )}
    </form>
  )
}
