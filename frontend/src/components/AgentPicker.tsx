import type { AgentList } from '../api/types'

interface Props {
  list: AgentList | null
  /** The agent a new conversation gets (the picker's value). */
  chosen: string | null
  onChoose: (name: string) => void
  /** The open conversation's agent: shown, not changeable (a conversation keeps the agent it began
   *  with; the gateway refuses another with 422). Null for a new chat, undefined while not known. */
  conversation: string | null | undefined
  /** The new chat's first question is on its way: its agent is settled. */
  locked: boolean
}

/**
 * The agent in the header: a picker for a new chat, the conversation's agent (read-only) once it began.
 * Nothing when there is nothing to choose: one agent offered, and the conversation is with the default.
 */
export function AgentPicker({ list, chosen, onChoose, conversation, locked }: Props) {
  const agents = list?.agents ?? []
  if (conversation === undefined) return null
  if (conversation) {
    if (agents.length < 2 && conversation === list?.default) return null
    return (
      <span className="agent-tag" data-testid="agent-label" title={`This conversation is with the ${conversation} agent. A new chat can pick another.`}>
        <span className="visually-hidden">Agent: </span>
        {conversation}
      </span>
    )
  }
  if (agents.length < 2 || !chosen) return null
  const description = agents.find((a) => a.name === chosen)?.description
  return (
    <select
      className="agent-picker"
      aria-label="Agent for this chat"
      title={description || undefined}
      value={chosen}
      disabled={locked}
      onChange={(e) => onChoose(e.target.value)}
      data-testid="agent-picker"
    >
      {agents.map((a) => (
        <option key={a.name} value={a.name} title={a.description || undefined}>
          {a.name}
        </option>
      ))}
    </select>
  )
}
