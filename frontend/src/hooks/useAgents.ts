import { useCallback, useEffect, useState } from 'react'
import type { GatewayClient } from '../api/gatewayClient'
import type { AgentList } from '../api/types'
import { localItem } from '../state/localItem'

/**
 * The agents a new conversation may be with (GET /ai/api/agents: what the live workers run) and the one
 * this browser picks for the next new conversation. The pick is remembered (localStorage `ai.agent`), as
 * a chat app remembers the last model chosen; one the workers no longer run falls back to the gateway's
 * default, so a stale pick never sends a chat that is refused. A conversation keeps the agent it started
 * with (the gateway refuses another with 422), so the pick only ever applies to a new one.
 */

const stored = localItem('ai.agent')

/** The agent a new conversation gets: the remembered pick if offered, else the default, else the first. */
export function pickAgent(list: AgentList | null, remembered: string): string | null {
  const names = list?.agents.map((a) => a.name) ?? []
  if (names.includes(remembered)) return remembered
  if (list && names.includes(list.default)) return list.default
  return names[0] ?? null
}

export interface Agents {
  list: AgentList | null
  /** What a new conversation is sent with (null: name none, the gateway's default answers). */
  chosen: string | null
  choose: (name: string) => void
  /** Reads the list again (the workers' agents change as workers come and go). */
  reload: () => void
}

export function useAgents(client: GatewayClient, signed: boolean): Agents {
  const [list, setList] = useState<AgentList | null>(null)
  const [remembered, setRemembered] = useState(stored.load)
  const [generation, setGeneration] = useState(0)

  useEffect(() => {
    if (!signed) return
    let alive = true
    client
      .listAgents()
      .then((l) => alive && setList(l))
      .catch(() => undefined) // keep what was listed; without a list no agent is named
    return () => {
      alive = false
    }
  }, [client, signed, generation])

  const choose = useCallback((name: string) => {
    stored.save(name)
    setRemembered(name)
  }, [])
  const reload = useCallback(() => setGeneration((g) => g + 1), [])
  return { list, chosen: pickAgent(list, remembered), choose, reload }
}
