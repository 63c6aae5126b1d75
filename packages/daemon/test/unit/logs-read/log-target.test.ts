// Log targets: `all`, `<app>`, `<app>:<i>` against the app list; 400 for a malformed target, 404 for an unknown one.
import { describe, expect, it } from 'vitest'
import type { AppView } from '@sup/protocol'
import { parseLogTarget, resolveLogTargets } from '../../../src/logs/log-target.ts'

const app = (name: string, instances: number[]): AppView => ({
  name, desired: 'running', spec: {} as AppView['spec'],
  workers: instances.map((instance) => ({ app: name, instance, state: 'online' as const, pid: null, port: null, restarts: 0, startedAt: null, lastExit: null }))
})
const APPS = [app('web', [0]), app('api', [1, 0])]
const keys = (text: string): string[] => resolveLogTargets(text, APPS, '/h/logs').map((t) => `${t.app}:${t.instance} ${t.logPath}`)

describe('parseLogTarget', () => {
  it.each<[string, { app: string | null; instance: number | null }]>([
    ['all', { app: null, instance: null }], ['api', { app: 'api', instance: null }], ['api:3', { app: 'api', instance: 3 }],
    ['my.app-2:0', { app: 'my.app-2', instance: 0 }]
  ])('%s', (text, want) => { expect(parseLogTarget(text)).toEqual(want) })

  it.each(['', 'API', 'a/b', '../x', 'api:', 'api:-1', 'api:1.5', 'api:x', 'all:0', 'api:12345', ':1', 'a b'])('refuses %j with a 400', (text) => {
    expect(() => parseLogTarget(text)).toThrow(expect.objectContaining({ code: 'SUP_ERR_INVALID_INPUT', statusCode: 400 }))
  })
})

describe('resolveLogTargets', () => {
  it('names every worker of every app for `all`, by app then instance', () => {
    expect(keys('all')).toEqual(['api:0 /h/logs/api-0.log', 'api:1 /h/logs/api-1.log', 'web:0 /h/logs/web-0.log'])
  })

  it('names one app, or one worker', () => {
    expect(keys('api')).toEqual(['api:0 /h/logs/api-0.log', 'api:1 /h/logs/api-1.log'])
    expect(keys('api:1')).toEqual(['api:1 /h/logs/api-1.log'])
  })

  it.each(['ghost', 'ghost:0'])('%s is a 404', (text) => {
    expect(() => keys(text)).toThrow(expect.objectContaining({ code: 'SUP_ERR_APP_NOT_FOUND', statusCode: 404 }))
  })

  it('says which instance an existing app lacks', () => {
    expect(() => keys('api:7')).toThrow(expect.objectContaining({ code: 'SUP_ERR_INSTANCE_NOT_FOUND', statusCode: 404, message: 'api has no instance 7' }))
  })

  it('gives nothing (no error) for `all` without apps', () => {
    expect(resolveLogTargets('all', [], '/h/logs')).toEqual([])
  })
})
