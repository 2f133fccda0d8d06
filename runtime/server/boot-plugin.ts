// Nitro plugin: boots the gateway when the app is created and stops it when Nitro closes (the dev server's
// reloads). Under `nitro dev` nothing else starts the work; the production entry starts it once it listens.
import type { NitroApp } from "nitropack/types";
import { bootGateway, startWork, stopGateway } from "../gateway";

export default function bootPlugin(nitroApp: NitroApp) {
  const booted = bootGateway();
  if (import.meta.dev) void booted.then(startWork);
  nitroApp.hooks.hook("close", () => stopGateway());
}
