// `sup list --json`'s short path: two pipelined HTTP answers taken apart, and only a plain, current answer used.
import { describe, expect, it } from 'vitest'
import { readListAnswers, splitAnswers } from '../../src/list-json.ts'

const answer = (status: number, body: string, extra = ''): string =>
  `HTTP/1.1 ${status} X\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`
const HEALTH = JSON.stringify({ ok: true, pid: 7, version: '0.2.0', protocol: 1, home: '/h' })
const LIST = JSON.stringify({ apps: [{ name: 'é', workers: [] }] })

describe('splitAnswers', () => {
  it('takes two answers apart by their Content-Length, whatever the bytes of their bodies', () => {
    expect(splitAnswers(Buffer.from(answer(200, HEALTH) + answer(200, LIST, 'connection: close\r\n')), 2))
      .toEqual([{ status: 200, body: HEALTH }, { status: 200, body: LIST }])
  })

  it.each([
    ['a truncated second answer', answer(200, HEALTH) + answer(200, LIST).slice(0, -3)],
    ['one answer only', answer(200, HEALTH)],
    ['a chunked answer', `${answer(200, HEALTH)}HTTP/1.1 200 X\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`],
    ['no Content-Length', `HTTP/1.1 200 X\r\n\r\n{}${answer(200, LIST)}`],
    ['no HTTP at all', 'garbage\r\n\r\n']
  ])('is null for %s (the whole path then answers)', (_what, text) => {
    expect(splitAnswers(Buffer.from(text), 2)).toBeNull()
  })
})

describe('readListAnswers', () => {
  it('gives the health and the list of a daemon of this protocol', () => {
    expect(readListAnswers([{ status: 200, body: HEALTH }, { status: 200, body: LIST }])).toEqual([JSON.parse(HEALTH), JSON.parse(LIST)])
  })

  it.each([
    ['no answers', null],
    ['a daemon of another protocol', [{ status: 200, body: HEALTH.replace('"protocol":1', '"protocol":2') }, { status: 200, body: LIST }]],
    ['a daemon of no protocol (0.1.0)', [{ status: 200, body: HEALTH.replace(',"protocol":1', '') }, { status: 200, body: LIST }]],
    ['an error answer', [{ status: 200, body: HEALTH }, { status: 503, body: '{"error":{"code":"SUP_ERR_SHUTTING_DOWN"}}' }]],
    ['a body that is no JSON', [{ status: 200, body: HEALTH }, { status: 200, body: '{"apps":' }]],
    ['a list without apps', [{ status: 200, body: HEALTH }, { status: 200, body: '{}' }]]
  ])('is null for %s', (_what, answers) => {
    expect(readListAnswers(answers)).toBeNull()
  })
})
