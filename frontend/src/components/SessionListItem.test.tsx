import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { sessionSummary } from '../test/wire'
import { SessionListItem } from './SessionListItem'

const session = sessionSummary({ title: 'How many customers?', updated_at: null, message_count: 2 })

function item(onRename: (id: string, title: string) => Promise<void>) {
  render(
    <ul>
      <SessionListItem session={session} active={false} onOpen={() => {}} onDelete={() => {}} onRename={onRename} />
    </ul>,
  )
}

describe('SessionListItem rename', () => {
  it('✎ opens the title for editing and Enter saves it', async () => {
    const onRename = vi.fn(async () => {})
    item(onRename)
    await userEvent.click(screen.getByRole('button', { name: 'Rename conversation: How many customers?' }))
    const field = screen.getByRole('textbox', { name: 'Conversation title' })
    expect(field).toHaveFocus()
    await userEvent.clear(field)
    await userEvent.type(field, 'Customers{Enter}')
    expect(onRename).toHaveBeenCalledWith('s1', 'Customers')
    expect(screen.queryByRole('textbox')).toBeNull()
  })

  it('Escape cancels without saving', async () => {
    const onRename = vi.fn(async () => {})
    item(onRename)
    await userEvent.click(screen.getByTestId('session-rename'))
    await userEvent.type(screen.getByRole('textbox', { name: 'Conversation title' }), ' more{Escape}')
    expect(onRename).not.toHaveBeenCalled()
    expect(screen.getByText('How many customers?')).toBeInTheDocument()
  })

  it('keeps the field open and says why when the server refuses the title', async () => {
    item(async () => {
      throw new Error('title must be at most 200 characters')
    })
    await userEvent.click(screen.getByTestId('session-rename'))
    await userEvent.type(screen.getByRole('textbox', { name: 'Conversation title' }), '!{Enter}')
    expect(screen.getByRole('alert')).toHaveTextContent('at most 200 characters')
    expect(screen.getByRole('textbox', { name: 'Conversation title' })).toBeInTheDocument()
  })
})
