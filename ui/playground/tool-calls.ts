// Tool calls as the stream reports them (`tool_use`, then its `tool_result`), each folded in a <details>: the
// tool's name on the summary line, its input (indented when it is JSON) and what came back inside. Shared by the
// answer panel and the conversation view.
import { h } from "./dom";

/** Adds the call to `list`. */
export function addToolUse(list: HTMLElement, data: { tool_use_id: string; name: string; input: string }): void {
  list.append(toolCall(data.tool_use_id, data.name, data.input));
}

/** Adds what came back to its call in `list` (a result whose call was not seen gets a call of its own). */
export function addToolResult(list: HTMLElement, data: { tool_use_id: string; output: string; is_error: boolean }): void {
  const call =
    [...list.querySelectorAll<HTMLDetailsElement>("details.tool")].find((d) => d.dataset.toolUseId === data.tool_use_id) ??
    list.appendChild(toolCall(data.tool_use_id, "(unknown)", ""));
  if (data.is_error) call.dataset.error = "true";
  call.append(h("pre", { class: "tool-output" }, data.output));
}

function toolCall(id: string, name: string, input: string): HTMLDetailsElement {
  return h(
    "details",
    { class: "tool", "data-tool-use-id": id },
    h("summary", {}, "Tool call ", h("b", {}, name)),
    h("pre", { class: "tool-input" }, prettyJson(input) ?? input),
  );
}

/** `text` indented, when it is JSON. */
export function prettyJson(text: string): string | undefined {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return undefined;
  }
}
