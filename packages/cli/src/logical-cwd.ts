// The directory the operator's shell is in, as the shell names it. A shell `cd`'d into a symlink (`cd
// /srv/app/current`, a Capistrano-style release link) keeps that path in $PWD, while the process's working directory
// (process.cwd(), getcwd) has every symlink resolved (/srv/app/releases/42). Paths the operator typed relative to it
// (a script, --cwd, an ecosystem file, a deploy directory) resolve against $PWD: an app then runs whatever `current`
// names at each start, as `cd` would show, instead of the release it named once (PM2's well-known trap).
import { statSync, type Stats } from 'node:fs'
import { isAbsolute, normalize } from 'node:path'

/**
 * `env.PWD` when it is an absolute, normalized path to this very directory (same device and inode as `physical`), as
 * `pwd -L` checks; else `physical`. A stale PWD (a parent that spawned us elsewhere) or one set by hand falls back.
 */
export function logicalCwd (env: NodeJS.ProcessEnv, physical: string = process.cwd(), stat: (path: string) => Stats = statSync): string {
  const pwd = env.PWD
  if (pwd === undefined || pwd === physical || !isAbsolute(pwd) || normalize(pwd) !== pwd) return physical
  try {
    const logical = stat(pwd)
    const real = stat(physical)
    return logical.dev === real.dev && logical.ino === real.ino ? pwd : physical
  } catch {
    return physical
  }
}
