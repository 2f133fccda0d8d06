// The source text of one top-level member of a JSON object, so a value can be stored exactly as the client
// wrote it: JSON.parse would turn 12345678901234567890 into 12345678901234567000 and 1e400 into Infinity.
// `text` must already have passed JSON.parse. As JSON.parse does, the last of duplicate keys wins.
const WS = " \t\n\r";

export function rawJsonMember(text: string, name: string): string | undefined {
  let i = 0;
  let found: string | undefined;
  const skipWs = () => {
    while (i < text.length && WS.includes(text[i]!)) i++;
  };
  const skipString = () => {
    i++;
    while (text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
  };
  const skipValue = (): string => {
    const start = i;
    let depth = 0;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        skipString();
        if (depth === 0) break;
        continue;
      }
      if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        if (depth === 0) break;
        if (--depth === 0) {
          i++;
          break;
        }
      } else if (depth === 0 && (c === "," || WS.includes(c))) break;
      i++;
    }
    return text.slice(start, i);
  };
  // Whitespace outside strings goes, as the original's compacted raw JSON.
  const compact = (s: string) => s.replace(/"(?:[^"\\]|\\.)*"|\s+/g, (m) => (m[0] === '"' ? m : ""));

  skipWs();
  if (text[i] !== "{") return undefined;
  i++;
  for (;;) {
    skipWs();
    if (i >= text.length || text[i] === "}") return found;
    const keyStart = i;
    skipString();
    const key = JSON.parse(text.slice(keyStart, i)) as string;
    skipWs();
    i++; // the colon
    skipWs();
    const value = skipValue();
    if (key === name) found = compact(value);
    skipWs();
    if (text[i] === ",") i++;
  }
}
