import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import type { FilePart } from '../api/generated/wire'
import { fromTranscript, type UserMessage } from '../state/chatModel'
import { Composer } from './Composer'
import { UserMessageView } from './UserMessageView'

const CSV = 'region,amount\nnorth,10\nsouth,20\n'

function renderComposer(onSend: (text: string, files: FilePart[]) => void, uploadMaxBytes = 1000) {
  render(<Composer running={false} canStop={false} stopping={false} onSend={onSend} onStop={() => {}} attach uploadMaxBytes={uploadMaxBytes} />)
}

function pick(file: File) {
  fireEvent.change(screen.getByTestId('attach-input'), { target: { files: [file] } })
}

describe('Composer attachments', () => {
  it('sends an attached CSV as a file part with the question, then clears the chip', async () => {
    const onSend = vi.fn()
    renderComposer(onSend)
    pick(new File([CSV], 'sales.csv', { type: 'text/csv' }))
    expect(await screen.findByTestId('attachment-chip')).toHaveTextContent('sales.csv')
    fireEvent.change(screen.getByTestId('composer-input'), { target: { value: 'How many rows?' } })
    fireEvent.click(screen.getByTestId('send-button'))

    expect(onSend).toHaveBeenCalledWith('How many rows?', [
      { type: 'file', filename: 'sales.csv', media_type: 'text/csv', data: btoa(CSV) },
    ])
    expect(screen.queryByTestId('attachment-chip')).toBeNull()
  })

  it('refuses a file over the upload limit with a message naming both sizes, and sends nothing', () => {
    const onSend = vi.fn()
    renderComposer(onSend, 10)
    pick(new File([CSV], 'sales.csv', { type: 'text/csv' }))
    expect(screen.getByTestId('attach-problem')).toHaveTextContent('sales.csv is 32 bytes: files up to 10 bytes can be attached.')
    expect(screen.queryByTestId('attachment-chip')).toBeNull()
    expect(screen.getByTestId('send-button')).toBeDisabled()
  })

  it('refuses a file that is not CSV or Parquet', () => {
    renderComposer(vi.fn())
    pick(new File(['%PDF'], 'report.pdf', { type: 'application/pdf' }))
    expect(screen.getByTestId('attach-problem')).toHaveTextContent('report.pdf is not a CSV or Parquet file')
  })

  it('takes an attachment off again with its remove button', async () => {
    renderComposer(vi.fn())
    pick(new File([CSV], 'sales.csv'))
    fireEvent.click(await screen.findByTestId('attachment-remove'))
    await waitFor(() => expect(screen.queryByTestId('attachment-chip')).toBeNull())
  })
})

describe('an attachment on the user message', () => {
  it('shows as a chip with the file name and size, from the stored transcript too', () => {
    const [user] = fromTranscript([
      {
        role: 'user', task_id: 't1', text: 'How many rows?', created_at: 1, status: null, tools: [], versions: [],
        parts: [
          { type: 'text', text: 'How many rows?', filename: null, media_type: null, size: null, url: null, detail: null },
          { type: 'file', text: null, filename: 'sales.csv', media_type: 'text/csv', size: 2048, url: null, detail: null },
        ],
      },
    ] as never)
    render(<UserMessageView message={user as UserMessage} />)
    expect(screen.getByTestId('user-message')).toHaveTextContent('How many rows?')
    expect(screen.getByTestId('attachment-chip')).toHaveTextContent('sales.csv2 KB')
  })
})
