import { useCallback, useEffect, useId, useRef, useState } from 'react'
import type { GatewayClient } from '../api/gatewayClient'
import type { ExportFormat, ShareLink } from '../api/types'
import { absoluteUrl, downloadText } from '../lib/download'
import { CopyButton } from './CopyButton'

interface Props {
  client: GatewayClient
  sessionId: string
}

/**
 * The header's ⋯ menu for the open conversation: export (Markdown, JSON) and read-only share links
 * (create, copy, revoke). A non-modal panel: Escape or a click outside closes it and focus returns to
 * the button.
 */
export function ConversationMenu({ client, sessionId }: Props) {
  const [open, setOpen] = useState(false)
  const [shares, setShares] = useState<ShareLink[]>([])
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const button = useRef<HTMLButtonElement>(null)
  const panel = useRef<HTMLDivElement>(null)
  const panelId = useId()

  const close = useCallback(() => {
    setOpen(false)
    button.current?.focus()
  }, [])

  useEffect(() => {
    if (!open) return
    let alive = true
    client
      .listShares()
      .then((all) => alive && setShares(all.filter((s) => s.session_id === sessionId)))
      .catch(() => alive && setError('Could not load the share links.'))
    panel.current?.querySelector<HTMLElement>('button')?.focus()
    const onDown = (e: MouseEvent) => {
      if (!panel.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false)
    }
    document.addEventListener('mousedown', onDown)
    return () => {
      alive = false
      document.removeEventListener('mousedown', onDown)
    }
  }, [open, client, sessionId])

  const run = async (action: () => Promise<void>, failure: string) => {
    setBusy(true)
    setError(null)
    try {
      await action()
    } catch {
      setError(failure)
    } finally {
      setBusy(false)
    }
  }
  const exportAs = (format: ExportFormat) =>
    run(async () => {
      const file = await client.exportSession(sessionId, format)
      downloadText(file.text, file.filename, file.type)
    }, 'Export failed.')
  const share = () =>
    run(async () => {
      const link = await client.createShare(sessionId)
      setShares((s) => [link, ...s])
    }, 'Could not create a share link.')
  const revoke = (shareId: string) =>
    run(async () => {
      await client.revokeShare(shareId)
      setShares((s) => s.filter((x) => x.share_id !== shareId))
    }, 'Could not revoke the link.')

  return (
    <div className="menu">
      <button
        ref={button}
        type="button"
        className="btn-icon"
        aria-label="Conversation actions"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => {
          setError(null)
          setOpen((o) => !o)
        }}
        data-testid="conversation-menu"
      >
        ⋯
      </button>
      {open && (
        <div
          ref={panel}
          id={panelId}
          role="dialog"
          aria-label="Export and share"
          className="menu__panel"
          data-testid="conversation-panel"
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation()
              close()
            }
          }}
        >
          <h2 className="menu__heading">Export</h2>
          <div className="menu__row">
            <button type="button" className="btn-small" disabled={busy} onClick={() => void exportAs('markdown')} data-testid="export-markdown">
              Markdown
            </button>
            <button type="button" className="btn-small" disabled={busy} onClick={() => void exportAs('json')} data-testid="export-json">
              JSON
            </button>
          </div>
          <h2 className="menu__heading">Share</h2>
          <p className="muted small">
            Anyone with the link can read a copy of this conversation as it is now, without a key. Later messages are not shared.
          </p>
          <ul className="share-list" data-testid="share-list">
            {shares.map((s) => {
              const url = absoluteUrl(s.url)
              return (
                <li key={s.share_id} className="share-list__item" data-testid="share-link" data-share-id={s.share_id}>
                  <input className="share-list__url" readOnly value={url} aria-label="Share link" onFocus={(e) => e.target.select()} />
                  <CopyButton text={url} label="Copy link" />
                  <button type="button" className="btn-small btn-danger" disabled={busy} onClick={() => void revoke(s.share_id)} data-testid="share-revoke">
                    Revoke
                  </button>
                </li>
              )
            })}
          </ul>
          <button type="button" className="btn-small" disabled={busy} onClick={() => void share()} data-testid="share-create">
            {shares.length ? 'Create another link' : 'Create share link'}
          </button>
          {error && (
            <p className="error-text small" role="alert">
              {error}
            </p>
          )}
        </div>
      )}
    </div>
  )
}
