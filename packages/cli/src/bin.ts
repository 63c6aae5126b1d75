// Entry of the `sup` command (bundled by tsup into bundle/bin.js). `sup list` (the command run most, by people and by
// scripts every few seconds) takes a short path: its own small chunk, without commander and the other commands'
// code (~35 ms of a ~170 ms run). Every other command line loads the whole program.
import { isPlainList } from './plain-list.ts'

// `sup list --json | head -1`: a reader that went away is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err
  process.exit(process.exitCode ?? 0)
})

const args = process.argv.slice(2)
if (isPlainList(args)) {
  const { runPlainList } = await import('./plain-list-run.ts')
  await runPlainList(args)
} else {
  const { runProgram } = await import('./program.ts')
  await runProgram(process.argv)
}
