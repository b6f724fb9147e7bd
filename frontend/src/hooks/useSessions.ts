import { useCallback, useEffect, useMemo, useState } from 'react'
import { ApiError } from '../api/apiError'
import { GatewayClient } from '../api/gatewayClient'
import type { SessionSummary } from '../api/types'

function listError(e: unknown): string {
  return e instanceof ApiError && e.status === 401 ? 'Sign in or enter a valid API key to see your conversations.' : 'Could not load conversations.'
}

/** The sidebar's session list (GET /ai/api/sessions), refreshed on demand; delete and rename. A `quiet`
 *  refresh (a background poll) that fails leaves the list and its error as they were. */
export function useSessions(apiKey: string, token = '') {
  const [sessions, setSessions] = useState<SessionSummary[]>([])
  const [error, setError] = useState<string | null>(null)
  const client = useMemo(() => new GatewayClient(apiKey, '', token), [apiKey, token])
  const signed = Boolean(apiKey || token)

  const refresh = useCallback(async (quiet = false) => {
    if (!signed) return
    try {
      setSessions(await client.listSessions())
      setError(null)
    } catch (e) {
      if (quiet) return
      setSessions([])
      setError(listError(e))
    }
  }, [signed, client])

  const remove = useCallback(
    async (id: string) => {
      await client.deleteSession(id)
      setSessions((s) => s.filter((x) => x.session_id !== id))
    },
    [client],
  )

  const rename = useCallback(
    async (id: string, title: string) => {
      const saved = await client.renameSession(id, title)
      setSessions((s) => s.map((x) => (x.session_id === id ? { ...x, title: saved.title } : x)))
    },
    [client],
  )

  useEffect(() => {
    if (!signed) return
    let alive = true
    client
      .listSessions()
      .then((list) => {
        if (!alive) return
        setSessions(list)
        setError(null)
      })
      .catch((e: unknown) => alive && setError(listError(e)))
    return () => {
      alive = false
    }
  }, [signed, client])

  return { sessions, error, refresh, remove, rename, client, signed }
}
