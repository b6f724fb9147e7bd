import { act, render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '../api/apiError'
import type { ApprovalRequest } from '../state/approvals'
import { ApprovalCard } from './ApprovalCard'

const inSeconds = (s: number) => Date.now() / 1000 + s
const request = (over: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  approval_id: 'ap1', call_id: 'c1', tool: 'add_task', arguments: { title: 'buy milk', priority: 2 },
  message: 'Add the task “buy milk” to your list?', expires_at: inSeconds(125), state: 'open', ...over,
})

afterEach(() => vi.useRealTimers())

describe('ApprovalCard', () => {
  it('shows the sentence, the tool with its arguments and the time left', () => {
    render(<ApprovalCard request={request()} onDecide={vi.fn()} />)
    expect(screen.getByRole('region', { name: 'Add the task “buy milk” to your list?' })).toBeInTheDocument()
    expect(screen.getByTestId('approval-tool')).toHaveTextContent('add_task')
    expect(screen.getByTestId('approval-arguments')).toHaveTextContent('title:buy milk')
    expect(screen.getByTestId('approval-arguments')).toHaveTextContent('priority:2')
    expect(screen.getByRole('timer')).toHaveTextContent(/Expires in 2:0[45]/)
  })

  it('Approve sends the decision and the buttons go once the gateway took it', async () => {
    const onDecide = vi.fn().mockResolvedValue({ status: 'resumed' })
    render(<ApprovalCard request={request()} onDecide={onDecide} />)
    await userEvent.click(screen.getByRole('button', { name: 'Approve' }))
    expect(onDecide).toHaveBeenCalledWith('ap1', { approve: true })
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull()
    expect(screen.getByTestId('approval-card')).toHaveAttribute('data-state', 'approved')
    expect(screen.getByTestId('approval-outcome')).toHaveTextContent('Approved — continuing…')
  })

  it('Reject sends the reason when one is given, and no message without one', async () => {
    const user = userEvent.setup()
    const onDecide = vi.fn().mockResolvedValue({ status: 'resumed' })
    const { unmount } = render(<ApprovalCard request={request()} onDecide={onDecide} />)
    await user.click(screen.getByRole('button', { name: 'Reject…' }))
    await user.type(screen.getByRole('textbox', { name: 'Reason (optional)' }), 'not today{Enter}')
    expect(onDecide).toHaveBeenCalledWith('ap1', { approve: false, message: 'not today' })
    expect(screen.getByTestId('approval-outcome')).toHaveTextContent('Rejected')
    unmount()
    render(<ApprovalCard request={request()} onDecide={onDecide} />)
    await user.click(screen.getByRole('button', { name: 'Reject…' }))
    await user.click(screen.getByRole('button', { name: 'Reject' }))
    expect(onDecide).toHaveBeenLastCalledWith('ap1', { approve: false })
  })

  it('a 409 (decided elsewhere, expired or ended) hides the buttons and says so', async () => {
    const onDecide = vi.fn().mockRejectedValue(new ApiError(409, 'already decided'))
    render(<ApprovalCard request={request()} onDecide={onDecide} />)
    await userEvent.click(screen.getByRole('button', { name: 'Approve' }))
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull()
    expect(screen.getByTestId('approval-outcome')).toHaveTextContent('already decided, has expired, or its run ended')
  })

  it('any other failure keeps the buttons, with the error', async () => {
    const onDecide = vi.fn().mockRejectedValue(new ApiError(503, 'busy'))
    render(<ApprovalCard request={request()} onDecide={onDecide} />)
    await userEvent.click(screen.getByRole('button', { name: 'Approve' }))
    expect(screen.getByRole('alert')).toHaveTextContent('Could not send the decision')
    expect(screen.getByRole('button', { name: 'Approve' })).toBeEnabled()
  })

  it('the buttons go when the time is up, and an expired request says nothing was changed', () => {
    vi.useFakeTimers()
    const { rerender } = render(<ApprovalCard request={request({ expires_at: inSeconds(2) })} onDecide={vi.fn()} />)
    expect(screen.getByRole('button', { name: 'Approve' })).toBeInTheDocument()
    act(() => vi.advanceTimersByTime(2500))
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull()
    expect(screen.getByTestId('approval-card')).toHaveAttribute('data-state', 'expired')
    rerender(<ApprovalCard request={request({ expires_at: inSeconds(-1), state: 'expired' })} onDecide={vi.fn()} />)
    expect(screen.getByTestId('approval-outcome')).toHaveTextContent('nobody decided in time, nothing was changed')
  })

  it('a request the run went on past shows no buttons', () => {
    render(<ApprovalCard request={request({ state: 'decided' })} onDecide={vi.fn()} />)
    expect(screen.queryByRole('button')).toBeNull()
    expect(screen.getByTestId('approval-outcome')).toHaveTextContent('Decided')
  })
})
