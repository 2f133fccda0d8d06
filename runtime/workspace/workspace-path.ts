// Paths inside a session's workspace: relative, "/"-separated, confined. Checked where a path enters (the files
// API) and again where one becomes a file on disk (the run's workspace), so no path can point outside it.

export const MAX_PATH_CHARS = 1024;
const MAX_SEGMENT_BYTES = 255;
const MAX_DEPTH = 32;

/** Why `path` is not a workspace path; undefined when it is one. */
export function workspacePathError(path: string): string | undefined {
  if (path === "") return "path must not be empty";
  if (path.length > MAX_PATH_CHARS) return `path must be at most ${MAX_PATH_CHARS} characters`;
  if (path.includes("\u0000")) return "path must not contain NUL characters";
  if (path.startsWith("/")) return "path must be relative (no leading /)";
  if (path.includes("\\")) return "path must use / as separator (no backslash)";
  const segments = path.split("/");
  if (segments.length > MAX_DEPTH) return `path must be at most ${MAX_DEPTH} levels deep`;
  for (const s of segments) {
    if (s === "") return "path must not contain empty segments (//, or a trailing /)";
    if (s === "." || s === "..") return "path must not contain . or .. segments";
    if (Buffer.byteLength(s) > MAX_SEGMENT_BYTES) return `each path segment must be at most ${MAX_SEGMENT_BYTES} bytes`;
    if (/[\u0001-\u001f\u007f]/.test(s)) return "path must not contain control characters";
  }
  return undefined;
}
