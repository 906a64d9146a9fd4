import { expect, test } from "@playwright/test";
import { inFreshContext, signInByLabels, snap, waitForHydration } from "./support";

test("sign-in page lists the demo accounts", async ({ page }) => {
  await page.goto("/login");
  await expect(page.getByRole("heading", { name: "Demo accounts" })).toBeVisible();
  for (const email of ["admin@scorenow.demo", "analyst@scorenow.demo", "reader@scorenow.demo"]) {
    await expect(page.getByText(email)).toBeVisible();
  }
  await snap(page, "login");
});

test("sign-in without JavaScript shows errors in place and returns to the page asked for", async ({ browser }) => {
  await inFreshContext(browser, { javaScriptEnabled: false }, async (page) => {
    await page.goto("/login?next=/tickets");
    await signInByLabels(page, "admin@scorenow.demo", "wrong password!");

    await expect(page.getByRole("alert")).toHaveText("The email or password is not right. Check both and try again.");
    await expect(page.getByLabel("Email")).toHaveValue("admin@scorenow.demo");
    await snap(page, "login-error-no-js");

    await page.getByLabel("Password").fill("scorenow-demo");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL("/tickets");
    await expect(page.getByText("Demo Admin")).toBeVisible();
  });
});

test("a deep link survives signing in", async ({ page }) => {
  await page.goto("/tickets?type=incident&state=-5");
  await expect(page).toHaveURL("/login?next=%2Ftickets%3Ftype%3Dincident%26state%3D-5");
  await signInByLabels(page, "reader@scorenow.demo");
  await expect(page).toHaveURL("/tickets?type=incident&state=-5");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Tickets");
});

test("a page for a higher role says so", async ({ page }) => {
  await page.goto("/login?next=%2Faudit");
  await signInByLabels(page, "analyst@scorenow.demo");
  await expect(page).toHaveURL("/audit");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Not available for your role");
  await snap(page, "forbidden");
});

test("hydrated sign-in and sign-out", async ({ page }) => {
  await page.goto("/login?next=/securescore");
  await waitForHydration(page);
  await signInByLabels(page, "analyst@scorenow.demo");

  await expect(page).toHaveURL("/securescore");
  await expect(page.getByText("Demo Analyst")).toBeVisible();
  await expect(page.getByText("Analyst", { exact: true })).toBeVisible();
  await snap(page, "signed-in-analyst");

  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL("/login");
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
});
