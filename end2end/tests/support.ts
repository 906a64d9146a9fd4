import { expect, type Browser, type BrowserContextOptions, type Locator, type Page } from "@playwright/test";
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
 * The debug bundle is large: on a busy 2-core machine compiling it can take longer
 * than the default 10 s.
 */
export async function waitForHydration(page: Page): Promise<void> {
  await expect(page.locator(".language-picker button[type=submit]")).toBeHidden({ timeout: 30_000 });
}

/** Fills each field of `scope` labelled with a key of `fields` with its value, in order, then presses the button `submit`. */
export async function fillAndSubmit(scope: Page | Locator, fields: Record<string, string>, submit: string): Promise<void> {
  for (const [label, value] of Object.entries(fields)) {
    await scope.getByLabel(label).fill(value);
  }
  await scope.getByRole("button", { name: submit }).click();
}

/** Password of the demo accounts seeded in demo mode. */
export const DEMO_PASSWORD = "scorenow-demo";

/**
 * Fills in and sends the sign-in form of the page shown, by the fields'
 * names (so in any language, with or without JavaScript).
 */
export async function sendSignInForm(page: Page, email: string, password = DEMO_PASSWORD): Promise<void> {
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('form.form button[type="submit"]').click();
}

/** Fills in and sends the sign-in form of the page shown by its English labels, as a person reads them. */
export async function signInByLabels(page: Page, email: string, password = DEMO_PASSWORD): Promise<void> {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/**
 * Signs in as a demo account through the sign-in page (in any language,
 * with or without JavaScript) and waits to land on `next`.
 */
export async function signIn(page: Page, email: string, next = "/"): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await sendSignInForm(page, email);
  await page.waitForURL(next);
}

/** Runs `steps` on a page of a fresh browser context made with `options`, then closes the context. */
export async function inFreshContext<T>(
  browser: Browser,
  options: BrowserContextOptions,
  steps: (page: Page) => Promise<T>,
): Promise<T> {
  const context = await browser.newContext(options);
  try {
    return await steps(await context.newPage());
  } finally {
    await context.close();
  }
}

/** Bearer token of the simulator's admin endpoint, as `run.sh` starts the server. */
export const SIM_ADMIN_TOKEN = "e2e-sim-admin-token";

/** Client ID and secret of the simulator's demo OAuth entity. */
export const DEMO_CLIENT_ID = "scorenow-demo";
export const DEMO_CLIENT_SECRET = "scorenow-demo-secret";

/** The embedded simulator's origin, as the setup page's demo hints name it. */
export async function demoInstance(page: Page): Promise<string> {
  return (await page.getByTestId("demo-hints").locator("dd code").first().textContent()) ?? "";
}

/** Fills in the ServiceNow setup form with `instance` and the demo client, and presses Authorize. */
export async function submitConnectionForm(page: Page, instance: string): Promise<void> {
  await page.getByLabel("Instance", { exact: true }).fill(instance);
  await page.getByLabel("Client ID").fill(DEMO_CLIENT_ID);
  await page.getByLabel("Client secret").fill(DEMO_CLIENT_SECRET);
  await page.getByRole("button", { name: "Authorize" }).click();
}

/**
 * On the instance's own pages: signs in as the integration user, allows
 * ScoreNow, and waits until the setup page says it is connected.
 */
export async function allowAtInstance(page: Page): Promise<void> {
  await page.waitForURL(/\/oauth_auth\.do/);
  await fillAndSubmit(page, { "User name": "scorenow.integration", Password: "integration-demo" }, "Log in");
  await page.getByRole("button", { name: "Allow" }).click();
  await page.waitForURL(/\/servicenow\/setup\?outcome=connected$/);
}

/**
 * Connects ScoreNow to the embedded simulator as an admin would: the setup
 * form with the demo values, the instance's sign-in and consent pages.
 * Returns the simulator's origin.
 */
export async function connectServiceNow(page: Page): Promise<string> {
  await page.goto("/servicenow/setup");
  await waitForHydration(page);
  const instance = await demoInstance(page);
  await submitConnectionForm(page, instance);
  await allowAtInstance(page);
  return instance;
}
