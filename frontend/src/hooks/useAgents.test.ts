import { describe, expect, it } from 'vitest'
import { pickAgent } from './useAgents'

const list = { agents: [{ name: 'analytics' }, { name: 'chat' }], default: 'analytics' }

describe('pickAgent', () => {
  it('keeps the remembered pick while the workers still run it', () => {
    expect(pickAgent(list, 'chat')).toBe('chat')
  })

  it('falls back to the default when the remembered agent is no longer offered', () => {
    expect(pickAgent(list, 'support')).toBe('analytics')
    expect(pickAgent(list, '')).toBe('analytics')
  })

  it('takes the first offered when the default is not among them, and names none without a list', () => {
    expect(pickAgent({ agents: [{ name: 'chat' }], default: 'analytics' }, '')).toBe('chat')
    expect(pickAgent(null, 'chat')).toBeNull()
    expect(pickAgent({ agents: [], default: 'analytics' }, 'chat')).toBeNull()
  })
})
