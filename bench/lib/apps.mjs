// The apps the tools run. A driver's prepare() takes one (default: HELLO); paths are relative to the repo root.
//   name      app name (sup --name, PM2 name; log file names derive from it)
//   script    the entry file
//   env       extra environment for every worker (PORT and NODE_APP_INSTANCE are set by the tools)
//   sup       extra `sup start` options, e.g. ['--log-max-size', '200M'] (the other tools ignore them)
//   keepsOutput  floor only: send each worker's stdout/stderr to a file (else to /dev/null)

/** examples/hello/server.js: answers `hello from pid <pid>` on PORT. */
export const HELLO = { name: 'hello', script: 'examples/hello/server.js', env: {}, sup: [], keepsOutput: false }
