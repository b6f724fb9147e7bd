import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import type { Feedback, Rating } from '../api/types'
import { FeedbackControl } from './FeedbackControl'

const stored = (rating: Rating, comment = ''): Feedback => ({ rating, comment, updated_at: 1 })

describe('FeedbackControl', () => {
  it('saves a thumbs up and shows it pressed', async () => {
    const onSave = vi.fn(async (rating: Rating | null, comment: string) => (rating ? stored(rating, comment) : null))
    render(<FeedbackControl initial={null} onSave={onSave} />)
    await userEvent.click(screen.getByRole('button', { name: 'Good answer' }))
    expect(onSave).toHaveBeenCalledWith('up', '')
    expect(screen.getByRole('button', { name: 'Good answer' })).toHaveAttribute('aria-pressed', 'true')
    expect(screen.getByRole('button', { name: 'Bad answer' })).toHaveAttribute('aria-pressed', 'false')
  })

  it('pressing the chosen thumb again withdraws the feedback', async () => {
    const onSave = vi.fn(async () => null)
    render(<FeedbackControl initial={stored('down', 'wrong')} onSave={onSave} />)
    await userEvent.click(screen.getByRole('button', { name: 'Bad answer' }))
    expect(onSave).toHaveBeenCalledWith(null, '')
    expect(screen.getByTestId('feedback')).toHaveAttribute('data-rating', '')
  })

  it('sends an optional comment with the rating from the keyboard', async () => {
    const user = userEvent.setup()
    const onSave = vi.fn(async (rating: Rating | null, comment: string) => (rating ? stored(rating, comment) : null))
    render(<FeedbackControl initial={null} onSave={onSave} />)
    await user.click(screen.getByRole('button', { name: 'Bad answer' }))
    await user.type(screen.getByRole('textbox', { name: /comment on this answer/i }), 'wrong year{Enter}')
    expect(onSave).toHaveBeenLastCalledWith('down', 'wrong year')
    expect(screen.getByTestId('feedback')).toHaveTextContent('“wrong year”')
  })
})
