// The files panel of a session: its workspace listed by path, each downloadable, and an upload input. The key
// is a header, not a cookie, so a plain link cannot download: the file is fetched with the key and handed to
// the browser as a blob URL. An upload sends the file's raw bytes (PUT), under its own name.
import { api, apiBytes } from "./api";
import { byId, h, notice } from "./dom";
import type { WorkspaceFile } from "./types";

/** The API path of a workspace file: each segment percent-encoded, the slashes kept. */
const filePath = (sessionId: string, path: string) =>
  `/api/v1/sessions/${encodeURIComponent(sessionId)}/files/${path.split("/").map(encodeURIComponent).join("/")}`;

export class FilesPanel {
  private readonly panel = byId("files");
  private readonly rows = byId<HTMLTableSectionElement>("files-rows");
  private readonly total = byId("files-total");
  private readonly upload = byId<HTMLInputElement>("file-upload");
  private readonly error = byId("files-notice");
  private sessionId = "";

  constructor(private readonly onAuthError: (err: unknown) => boolean) {
    this.upload.addEventListener("change", () => void this.uploadChosen());
  }

  /** Shows the files of `sessionId`, or hides the panel for a conversation not started yet (""). */
  show(sessionId: string): void {
    this.sessionId = sessionId;
    this.panel.hidden = sessionId === "";
    this.rows.replaceChildren();
    this.total.textContent = "";
    notice(this.error, "");
    if (sessionId) void this.refresh();
  }

  async refresh(): Promise<void> {
    const sessionId = this.sessionId;
    if (!sessionId) return;
    try {
      const list = await api<{ files: WorkspaceFile[]; total_bytes: number }>("GET", `/api/v1/sessions/${encodeURIComponent(sessionId)}/files`);
      if (sessionId !== this.sessionId) return;
      this.rows.replaceChildren(
        ...(list.files.length ? list.files.map((f) => this.row(f)) : [h("tr", {}, h("td", { colspan: "3", class: "empty" }, "No files yet."))]),
      );
      this.total.textContent = list.files.length ? `${list.files.length} file${list.files.length === 1 ? "" : "s"}, ${formatBytes(list.total_bytes)}` : "";
    } catch (err) {
      this.fail(err);
    }
  }

  private row(file: WorkspaceFile): HTMLTableRowElement {
    const download = h("button", { type: "button", class: "link" }, "Download");
    download.addEventListener("click", () => void this.download(file.path));
    return h(
      "tr",
      { "data-path": file.path },
      h("td", { class: "path" }, file.path),
      h("td", { class: "num" }, formatBytes(file.size)),
      h("td", { class: "actions" }, download),
    );
  }

  private async download(path: string): Promise<void> {
    try {
      const blob = await apiBytes("GET", filePath(this.sessionId, path));
      const url = URL.createObjectURL(blob);
      h("a", { href: url, download: path.split("/").at(-1) }).click();
      // The download has taken the URL by then; revoking at once can cut it short in some browsers.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      this.fail(err);
    }
  }

  private async uploadChosen(): Promise<void> {
    const files = [...(this.upload.files ?? [])];
    this.upload.value = "";
    try {
      for (const file of files) await apiBytes("PUT", filePath(this.sessionId, file.name), file);
      notice(this.error, "");
    } catch (err) {
      this.fail(err);
    }
    await this.refresh();
  }

  private fail(err: unknown): void {
    if (!this.onAuthError(err)) notice(this.error, (err as Error).message);
  }
}

function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
