// What CLAUDEGATE_SANDBOX may say, and what a run can be sandboxed with. Defined once: the config schema, the
// probe, the health answer and the README's table all come from these lists.

export const SANDBOX_SETTINGS = ["auto", "bwrap", "user", "off"] as const;
export type SandboxSetting = (typeof SANDBOX_SETTINGS)[number];

/** A mode a run actually uses (`auto` resolves to one of these at start-up). */
export type SandboxMode = Exclude<SandboxSetting, "auto">;

/** Strongest first: the order in which `auto` tries them. */
export const SANDBOX_MODES_BY_STRENGTH = ["bwrap", "user", "off"] as const satisfies readonly SandboxMode[];

/**
 * Host paths a bwrap sandbox shows read-only at the same place, and the symlinks it recreates (merged-/usr
 * systems have /lib -> usr/lib). Decided once at start-up from what exists on the host; see layout.ts.
 */
export interface SandboxLayout {
  roBinds: string[];
  symlinks: { target: string; link: string }[];
}

/** The sandbox chosen at start-up, handed to every run. */
export type Sandbox =
  | { mode: "off" }
  | { mode: "bwrap"; layout: SandboxLayout }
  /** Runs use the uids uidBase .. uidBase + slots - 1 (gid = uid), one per concurrent run. */
  | { mode: "user"; uidBase: number; slots: number };

/** What one run is wrapped in: the chosen sandbox, with user mode's uid fixed for this run. */
export type RunSandbox = { mode: "off" } | { mode: "bwrap"; layout: SandboxLayout } | { mode: "user"; uid: number };
