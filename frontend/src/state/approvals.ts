import type { ApprovalRequiredEvent } from '../api/types'

/**
 * The approval requests of one answer, as its events tell them. A run pauses at a tool call that needs
 * a person's approval (`approval_required`) and goes on once it is decided; what ended a request is
 * read from the events that follow, so a decision made in another tab, or one that expired, shows
 * here too: the call's `tool_result` (it was decided, either way), `error` `approval_expired`, or any
 * other end of the run (cancelled, failed, answered) while it was still open.
 */

/** open: waiting for a decision; decided: the run went on past it; expired: nobody decided in time;
 *  closed: the run ended otherwise while it waited. */
export type ApprovalState = 'open' | 'decided' | 'expired' | 'closed'

export type ApprovalRequest = Pick<ApprovalRequiredEvent, 'approval_id' | 'call_id' | 'tool' | 'arguments' | 'message' | 'expires_at'> & {
  state: ApprovalState
}

export const EXPIRED_CODE = 'approval_expired'

/** `list` with the request of `event` (once: a replayed event changes nothing). */
export function requested(list: ApprovalRequest[] | undefined, event: ApprovalRequiredEvent): ApprovalRequest[] {
  const known = list ?? []
  if (known.some((a) => a.approval_id === event.approval_id)) return known
  const { approval_id, call_id, tool, arguments: args, message, expires_at } = event
  return [...known, { approval_id, call_id, tool, arguments: args, message, expires_at, state: 'open' }]
}

/** The call `callId` has its result: its request was decided (here or elsewhere). */
export function answered(list: ApprovalRequest[] | undefined, callId: string): ApprovalRequest[] | undefined {
  return list?.map((a) => (a.call_id === callId && a.state === 'open' ? { ...a, state: 'decided' } : a))
}

/** The run ended (with the error `code`, if any): the requests still open expired or were closed. */
export function ended(list: ApprovalRequest[] | undefined, code?: string): ApprovalRequest[] | undefined {
  const state: ApprovalState = code === EXPIRED_CODE ? 'expired' : 'closed'
  return list?.map((a) => (a.state === 'open' ? { ...a, state } : a))
}

export function waitingForApproval(list: ApprovalRequest[] | undefined): boolean {
  return Boolean(list?.some((a) => a.state === 'open'))
}
