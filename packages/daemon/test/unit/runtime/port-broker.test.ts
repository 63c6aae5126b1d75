// PortBroker: never two workers on one port, never a port something else listens on, all-or-none claims.
import { describe, expect, it } from 'vitest'
import { createPortBroker } from '../../../src/runtime/port-broker.ts'
import { createFakePortProbe } from '../../../../../test/support/src/fake-probe.ts'
import { rejection } from './harness.ts'

const R = { from: 8000, to: 8004 }

describe('createPortBroker', () => {
  it('claims the lowest port free on the host, skipping ports held by other workers or by outside processes', async () => {
    const probe = createFakePortProbe({ busy: [8001] })
    const broker = createPortBroker(probe)
    broker.hold(8000, 'web:0')
    expect(await broker.claim(R, ['api:0', 'api:1'])).toEqual([8002, 8003])
    expect(probe.probed).not.toContain(8000)
  })

  it('serializes claims: concurrent starts never get the same port', async () => {
    const broker = createPortBroker(createFakePortProbe())
    const got = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((app) => broker.claim(R, [`${app}:0`])))
    expect(got.flat().sort()).toEqual([8000, 8001, 8002, 8003, 8004])
  })

  it('honours preferred ports per holder, falling back to the lowest free one', async () => {
    const probe = createFakePortProbe({ busy: [8003] })
    const broker = createPortBroker(probe)
    expect(await broker.claim(R, ['api:0', 'api:1'], [8004, 8003])).toEqual([8004, 8000])
  })

  it('is all or none: a claim that does not fit holds nothing afterwards', async () => {
    const broker = createPortBroker(createFakePortProbe())
    await expect(broker.claim({ from: 8000, to: 8001 }, ['api:0', 'api:1', 'api:2'])).rejects.toMatchObject({ code: 'SUP_ERR_PORT_EXHAUSTED' })
    expect(await broker.claim({ from: 8000, to: 8001 }, ['web:0', 'web:1'])).toEqual([8000, 8001])
  })

  it('says how many workers did not fit, without naming the holders it just rolled back', async () => {
    const broker = createPortBroker(createFakePortProbe())
    const err = await rejection(broker.claim({ from: 8000, to: 8001 }, ['api:0', 'api:1', 'api:2']))
    expect(err.message).toContain('8000-8001 has no room for 3 more worker(s)')
    expect(err.message).not.toContain('api:')
  })

  it('names the holder (with pid) and the outside processes of every port of an exhausted range', async () => {
    const probe = createFakePortProbe({ busy: [8001] })
    const broker = createPortBroker(probe)
    const [port] = await broker.claim({ from: 8000, to: 8001 }, ['web:0'])
    broker.describe(port!, 'web:0 (pid 4242)')
    const err = await rejection(broker.claim({ from: 8000, to: 8001 }, ['api:0']))
    expect(err).toMatchObject({ code: 'SUP_ERR_PORT_EXHAUSTED' })
    expect(err.message).toContain('8000 held by web:0 (pid 4242)')
    expect(err.message).toContain('8001 in use by a process outside sup')
  })

  it('keeps serving claims after one failed', async () => {
    const broker = createPortBroker(createFakePortProbe())
    await broker.claim({ from: 8000, to: 8000 }, ['a:0'])
    await expect(broker.claim({ from: 8000, to: 8000 }, ['b:0'])).rejects.toThrow()
    expect(await broker.claim(R, ['c:0'])).toEqual([8001])
  })

  it('releases a port only for its holder (whatever its description), so a stale release frees nothing', async () => {
    const broker = createPortBroker(createFakePortProbe())
    broker.hold(8000, 'api:0')
    broker.describe(8000, 'api:0 (pid 7)')
    broker.release(8000, 'api:1')
    expect(await broker.claim(R, ['x:0'])).toEqual([8001])
    broker.release(8000, 'api:0')
    expect(await broker.claim(R, ['y:0'])).toEqual([8000])
  })

  it('describe does not create a hold', async () => {
    const broker = createPortBroker(createFakePortProbe())
    broker.describe(8000, 'ghost:0 (pid 1)')
    expect(await broker.claim(R, ['api:0'])).toEqual([8000])
  })
})
