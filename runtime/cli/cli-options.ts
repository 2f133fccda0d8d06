// Enumerations of the pinned CLI's own options (`claude --help` of 2.1.197), defined once: the submit schema,
// the operator's configuration and the API document derive from these.

/** `--effort <level>`. */
export const EFFORTS = ["low", "medium", "high", "xhigh", "max"] as const;
export type Effort = (typeof EFFORTS)[number];

/** `--permission-mode <mode>`. */
export const PERMISSION_MODES = ["acceptEdits", "auto", "bypassPermissions", "default", "dontAsk", "plan"] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];
