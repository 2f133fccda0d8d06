// Nitro plugin: boots the gateway when the app is created (so queued jobs start without waiting for a
// request) and stops it when Nitro closes (the dev server's reloads).
import type { NitroApp } from "nitropack/types";
import { bootGateway, stopGateway } from "../gateway";

export default function bootPlugin(nitroApp: NitroApp) {
  void bootGateway();
  nitroApp.hooks.hook("close", () => stopGateway());
}
