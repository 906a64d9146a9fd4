import { expect, type Page } from "@playwright/test";
import path from "node:path";

/** Saves a full-page screenshot under end2end/screenshots/ (git-ignored). */
export async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({
    path: path.join(__dirname, "..", "screenshots", `${name}.png`),
    fullPage: true,
  });
}

/**
 * Waits until the WASM bundle has hydrated the page: the language picker's
 * Apply button (needed only without JavaScript) is hidden by a browser-only effect.
 */
export async function waitForHydration(page: Page): Promise<void> {
  await expect(page.locator(".language-picker button[type=submit]")).toBeHidden();
}
