// Answers as Markdown. markdown-it parses with `html: false`, so HTML in an answer (a `<script>`, an `<img
// onerror>`) comes out as escaped text, and its link check refuses `javascript:` URLs. DOMPurify then cleans the
// result anyway (a second, independent line), and drops `style` attributes too: markdown-it writes them for
// aligned table columns, and the page's Content-Security-Policy (`style-src 'self'`) would refuse them.
import DOMPurify from "dompurify";
import MarkdownIt from "markdown-it";

const md = new MarkdownIt({ html: false, linkify: true, breaks: false });

// Links in an answer leave the page: a new tab, and no window.opener or referrer for the target.
const defaultLink = md.renderer.rules.link_open ?? ((tokens, i, options, _env, self) => self.renderToken(tokens, i, options));
md.renderer.rules.link_open = (tokens, i, options, env, self) => {
  tokens[i]!.attrSet("target", "_blank");
  tokens[i]!.attrSet("rel", "noopener noreferrer");
  return defaultLink(tokens, i, options, env, self);
};

// An image in an answer would be fetched by the page (a way to send data out, and off-site ones break the CSP's
// `img-src 'self'`): it is shown as a link to the image instead.
md.renderer.rules.image = (tokens, i) => {
  const token = tokens[i]!;
  const alt = md.utils.escapeHtml(token.content || "image");
  const src = String(token.attrGet("src") ?? "");
  return md.validateLink(src) ? `<a href="${md.utils.escapeHtml(src)}" target="_blank" rel="noopener noreferrer">${alt}</a>` : alt;
};

/** The sanitised HTML of `text` read as Markdown. */
export function markdownHtml(text: string): string {
  return DOMPurify.sanitize(md.render(text), { FORBID_ATTR: ["style"], FORBID_TAGS: ["style"], ADD_ATTR: ["target"] });
}

/** Replaces `el`'s content with `text` rendered as Markdown. */
export function renderMarkdown(el: HTMLElement, text: string): void {
  el.innerHTML = markdownHtml(text);
}
