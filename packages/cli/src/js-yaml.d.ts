// The one js-yaml function sup uses (js-yaml 4 ships no types; its `load` never runs code: JSON-compatible schema).
declare module 'js-yaml' {
  export function load (text: string): unknown
}
