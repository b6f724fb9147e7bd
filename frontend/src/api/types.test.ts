import { describe, expect, it } from 'vitest'
import { parseEvent } from './types'

describe('parseEvent', () => {
  it('accepts progress and data events', () => {
    expect(parseEvent('{"type":"progress","task_id":"t","seq":1,"stage":"querying","step":1,"total":null,"elapsed_ms":5,"message":"m"}')?.type).toBe('progress')
    expect(parseEvent('{"type":"data","task_id":"t","seq":2,"call_id":"c","name":"run_query","sql":"","columns":[],"rows":[],"row_count":0,"truncated":false,"chart":null}')?.type).toBe('data')
  })

  it('ignores event types this UI does not know, and non-JSON', () => {
    expect(parseEvent('{"type":"something_new","task_id":"t","seq":3}')).toBeNull()
    expect(parseEvent('ping')).toBeNull()
  })
})
