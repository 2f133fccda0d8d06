// What of the CLI's stderr goes into a job's `error`. The job's owner reads it, so it carries the CLI's own
// message and nothing of the host: no stack frames, no absolute paths, no terminal escapes, and a hard cap.

export const MAX_DETAIL_CHARS = 300;
const MAX_LINES = 3;

// Colour and cursor escapes, as a terminal-minded program may print even to a pipe.
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
// A stack frame: "    at fn (/srv/app/x.js:1:2)", and Bun/native variants "at <anonymous>", "at /x/y.js:3".
const FRAME = /^\s*at\s/;
// A line that only points at source: "/x/y.js:12", "file:///x/y.js:12:3".
const LOCATION_ONLY = /^\s*(?:file:\/\/)?\/\S*:\d+(?::\d+)?\s*$/;
// The caret under a quoted source line (Node prints "<source line>\n    ^" above an uncaught error).
const CARET = /^\s*\^+\s*$/;
// An absolute path (optionally a file: URL); the look-behind keeps "a/b" and URLs' paths ("http://h/x") intact.
const ABS_PATH = /(?<![\w.:/])(?:file:\/\/)?\/(?:[\w.@+-]+\/)*[\w.@+-]+/g;

/** The CLI's own message from the tail of its stderr: its last few message lines, paths elided, capped. */
export function cliErrorDetail(stderrTail: string, maxChars = MAX_DETAIL_CHARS): string {
  const raw = stderrTail.replace(ANSI, "").split(/\r?\n/);
  const lines = raw
    .filter((l, i) => l.trim() !== "" && !FRAME.test(l) && !LOCATION_ONLY.test(l) && !CARET.test(l) && !CARET.test(raw[i + 1] ?? ""))
    .map((l) => l.replace(ABS_PATH, "<path>").replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "").trim());
  const text = lines.slice(-MAX_LINES).join("\n");
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}
