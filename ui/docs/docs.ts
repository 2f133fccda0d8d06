// /docs: Swagger UI (from the swagger-ui-dist package, copied into the build; nothing comes from a CDN)
// rendering the gateway's own /api/v1/openapi.json. The key saved by the playground is filled in, so
// "Try it out" works at once.
import "./docs.css";

declare const SwaggerUIBundle: ((options: Record<string, unknown>) => { preauthorizeApiKey(name: string, key: string): void }) & {
  presets: { apis: unknown };
};

let key = "";
try {
  key = localStorage.getItem("claudegate.apiKey") ?? "";
} catch {
  /* storage disabled */
}

const ui = SwaggerUIBundle({
  url: new URL("../api/v1/openapi.json", document.baseURI).href,
  dom_id: "#docs",
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  deepLinking: true,
  // Off: the default sends the document to validator.swagger.io for a badge.
  validatorUrl: null,
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
  onComplete: () => {
    if (key) ui.preauthorizeApiKey("ApiKey", key);
  },
});
