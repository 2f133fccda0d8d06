// json response_format: the original strips one pair of ``` fences; we then insist the text is JSON.

export function stripCodeFences(text: string): string {
  let s = text.trim();
  if (s.startsWith("```")) {
    const nl = s.indexOf("\n");
    s = nl === -1 ? s.slice(3) : s.slice(nl + 1);
    if (s.endsWith("```")) s = s.slice(0, -3);
  }
  return s.trim();
}

export function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
