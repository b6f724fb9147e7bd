import { useRef, useState, type ChangeEvent, type KeyboardEvent } from 'react'
import type { FilePart } from '../api/generated/wire'
import { ACCEPT, attachmentProblem, filePart, sizeText } from '../lib/attachments'
import { AttachmentChip } from './AttachmentChip'

interface Props {
  running: boolean
  canStop: boolean
  stopping: boolean
  onSend: (text: string, files: FilePart[]) => void
  onStop: () => void
  /** What the empty field invites (the agent decides: data questions, or anything). */
  placeholder?: string
  /** Offer the attach button (an agent with the analytics tools: an attached CSV becomes a table). */
  attach?: boolean
  /** The largest file that can be attached (GET /ai/api/ui-config upload_max_bytes). */
  uploadMaxBytes?: number
}

/**
 * Message input. Enter sends, Shift+Enter adds a line. Typing stays possible while an answer streams;
 * only sending is blocked then (the gateway rejects a second run in a session with 409).
 * The paperclip attaches one CSV or Parquet file (lib/attachments.ts checks its kind and size before
 * anything is sent); it shows as a chip above the field until it is sent or removed.
 */
export function Composer({
  running, canStop, stopping, onSend, onStop, placeholder = 'Ask about your data…', attach = false,
  uploadMaxBytes = 2 * 1024 * 1024,
}: Props) {
  const [text, setText] = useState('')
  const [file, setFile] = useState<FilePart | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const ref = useRef<HTMLTextAreaElement>(null)
  const picker = useRef<HTMLInputElement>(null)
  const canSend = !running && (text.trim().length > 0 || file !== null)

  const submit = () => {
    if (!canSend) return
    onSend(text, file ? [file] : [])
    setText('')
    setFile(null)
    setProblem(null)
    ref.current?.focus()
  }
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault()
      submit()
    }
  }
  const onPick = async (e: ChangeEvent<HTMLInputElement>) => {
    const picked = e.target.files?.[0]
    e.target.value = '' // the same file can be picked again after removing it
    if (!picked) return
    const why = attachmentProblem(picked, uploadMaxBytes)
    setProblem(why)
    if (why) return
    try {
      setFile(await filePart(picked))
    } catch {
      setProblem(`${picked.name} could not be read.`)
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
      {attach && (
        <>
          <input ref={picker} type="file" accept={ACCEPT} hidden data-testid="attach-input" onChange={(e) => void onPick(e)} />
          <button
            type="button"
            className="btn-icon composer__attach"
            aria-label={`Attach a CSV or Parquet file (up to ${sizeText(uploadMaxBytes)})`}
            title={`Attach a CSV or Parquet file (up to ${sizeText(uploadMaxBytes)})`}
            data-testid="attach-button"
            onClick={() => picker.current?.click()}
          >
            <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
              <path
                d="M16.5 6.5 8.6 14.4a2 2 0 0 0 2.8 2.8l8.1-8.1a4 4 0 0 0-5.7-5.7l-8.3 8.3a6 6 0 0 0 8.5 8.5l7.2-7.2"
                fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round"
              />
            </svg>
          </button>
        </>
      )}
      <div className="composer__field">
        {file && (
          <div className="composer__attachments">
            <AttachmentChip filename={file.filename} data={file.data} onRemove={() => setFile(null)} />
          </div>
        )}
        {problem && (
          <p className="composer__problem" role="alert" data-testid="attach-problem">
            {problem}
          </p>
        )}
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
      </div>
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
