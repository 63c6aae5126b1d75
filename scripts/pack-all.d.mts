// Types of scripts/pack-all.mjs for the tests that import it.
export declare const PUBLISHED: readonly string[]
/** Packs @sup/cli and @sup/client into `out` (default packed/); returns the tarballs' paths, CLI first. */
export declare function packAll (options?: { out?: string; build?: boolean }): string[]
