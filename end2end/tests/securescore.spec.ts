import { expect, test } from "@playwright/test";
import { fillAndSubmit, signIn, snap, waitForHydration } from "./support";

test("filters, search and sort go into the URL and come back from it", async ({ page }) => {
  await signIn(page, "analyst@scorenow.demo", "/securescore");
  await expect(page.getByTestId("demo-data")).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel("Category").selectOption("Identity");
  await page.getByLabel("Search").fill("multifactor");
  await page.getByLabel("Sort by").selectOption("points");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/category=Identity/);
  await expect(page).toHaveURL(/q=multifactor/);
  await expect(page).toHaveURL(/sort=points/);
  const rows = page.locator(".actions-table tbody tr");
  await expect(rows.first()).toBeVisible();
  for (const row of await rows.all()) {
    await expect(row).toContainText("Identity");
    await expect(row).toContainText(/multifactor/i);
  }
  await snap(page, "securescore-filtered");

  // A copied link restores the same view in a fresh page.
  const url = page.url();
  const second = await page.context().newPage();
  await second.goto(url);
  await expect(second.getByLabel("Category")).toHaveValue("Identity");
  await expect(second.getByLabel("Search")).toHaveValue("multifactor");
  await expect(second.getByLabel("Sort by")).toHaveValue("points");
  await expect(second.locator(".actions-table tbody tr")).toHaveCount(await rows.count());
  await second.close();
});

test("an action opens from its deep link, and its link can be copied", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signIn(page, "reader@scorenow.demo", "/securescore/actions/AdminMFAV2");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("multifactor authentication");
  await expect(page.getByRole("heading", { name: "Remediation" })).toBeVisible();
  await waitForHydration(page);
  await snap(page, "action-detail");

  const share = page.getByRole("button", { name: "Share" }).first();
  await share.focus();
  await page.keyboard.press("ArrowDown");
  const copy = page.getByRole("menuitem", { name: "Copy link" });
  await expect(copy).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("menuitem", { name: "Email" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(share).toBeFocused();
  await expect(page.getByRole("menu")).toBeHidden();

  await share.click();
  await copy.click();
  await expect(page.getByText("Link copied")).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(new URL("/securescore/actions/AdminMFAV2", page.url()).toString());

  const missing = await page.goto("/securescore/actions/NoSuchControl");
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
});

test("an admin's bad tenant ID is refused next to its field and the form stays open", async ({ page }) => {
  await signIn(page, "admin@scorenow.demo", "/securescore");
  await waitForHydration(page);
  const card = page.getByTestId("graph-connection");
  await card.locator("summary").click();
  const fields = { "Tenant ID": "../not-a-tenant", "Application (client) ID": "app", "Client secret": "secret" };
  await fillAndSubmit(card, fields, "Save and read");
  await expect(card.getByText("Enter the tenant ID (a GUID) or its primary domain")).toBeVisible();
  await expect(card.getByLabel("Tenant ID")).toHaveValue("../not-a-tenant");
  await expect(page.getByTestId("demo-data")).toBeVisible();
  await snap(page, "graph-connection-error");
});
