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

/** Password of the demo accounts seeded in demo mode. */
export const DEMO_PASSWORD = "scorenow-demo";

/**
 * Signs in as a demo account through the sign-in page (in any language,
 * with or without JavaScript) and waits to land on `next`.
 */
export async function signIn(page: Page, email: string, next = "/"): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(DEMO_PASSWORD);
  await page.locator('form.form button[type="submit"]').click();
  await page.waitForURL(next);
}

/** Bearer token of the simulator's admin endpoint, as `run.sh` starts the server. */
export const SIM_ADMIN_TOKEN = "e2e-sim-admin-token";

/**
 * Connects ScoreNow to the embedded simulator as an admin would: the setup
 * form with the demo values, the instance's sign-in and consent pages.
 * Returns the simulator's origin.
 */
export async function connectServiceNow(page: Page): Promise<string> {
  await page.goto("/servicenow/setup");
  await waitForHydration(page);
  const instance = (await page.getByTestId("demo-hints").locator("dd code").first().textContent()) ?? "";
  await page.getByLabel("Instance", { exact: true }).fill(instance);
  await page.getByLabel("Client ID").fill("scorenow-demo");
  await page.getByLabel("Client secret").fill("scorenow-demo-secret");
  await page.getByRole("button", { name: "Authorize" }).click();
  await page.waitForURL(/\/oauth_auth\.do/);
  await page.getByLabel("User name").fill("scorenow.integration");
  await page.getByLabel("Password").fill("integration-demo");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("button", { name: "Allow" }).click();
  await page.waitForURL(/\/servicenow\/setup\?outcome=connected$/);
  return instance;
}
