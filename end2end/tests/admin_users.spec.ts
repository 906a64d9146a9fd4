import { expect, test } from "@playwright/test";
import { DEMO_PASSWORD, signIn, signInByLabels, snap, waitForHydration } from "./support";

test("only admins see the administration links", async ({ page }) => {
  await signIn(page, "analyst@scorenow.demo");
  const nav = page.getByRole("navigation", { name: "Main navigation" });
  await expect(nav.getByRole("link", { name: "Tickets" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Users" })).toHaveCount(0);

  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await signIn(page, "admin@scorenow.demo");
  await nav.getByRole("link", { name: "Users" }).click();
  await expect(page).toHaveURL("/admin/users");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Users");
  await expect(nav.getByRole("link", { name: "Audit log" })).toBeVisible();
});

test("an admin adds a user, changes the role and deactivates the account", async ({ page }) => {
  await signIn(page, "admin@scorenow.demo", "/admin/users");
  const form = page.getByRole("region", { name: "Add a user" });

  await form.getByLabel("Email").fill("new.analyst@example.com");
  await form.getByLabel("Name").fill("New Analyst");
  await form.getByLabel("Role").selectOption("analyst");
  await form.getByLabel("Password").fill("short");
  await form.getByRole("button", { name: "Add user" }).click();
  await expect(form.getByText("Use at least 12 characters.")).toBeVisible();
  await expect(form.getByLabel("Email")).toHaveValue("new.analyst@example.com");

  await form.getByLabel("Password").fill("a sufficiently long password");
  await form.getByRole("button", { name: "Add user" }).click();
  const row = page.getByRole("row", { name: /new\.analyst@example\.com/ });
  await expect(row).toBeVisible();
  await snap(page, "admin-users");

  // A role change needs the admin's password again, then goes through.
  await waitForHydration(page);
  await row.getByLabel("Role of new.analyst@example.com").selectOption("reader");
  await row.getByRole("button", { name: "Change role" }).click();
  await expect(page.getByText("This change needs your password again.")).toBeVisible();
  await page.getByLabel("Your password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Confirm password" }).click();
  await expect(page.getByText("Password confirmed for the next 10 minutes.")).toBeVisible();
  await row.getByLabel("Role of new.analyst@example.com").selectOption("reader");
  await row.getByRole("button", { name: "Change role" }).click();
  await expect(page.getByRole("row", { name: /new\.analyst@example\.com/ }).getByLabel("Role of new.analyst@example.com")).toHaveValue("reader");

  await page.getByRole("row", { name: /new\.analyst@example\.com/ }).getByRole("button", { name: "Deactivate" }).click();
  await expect(page.getByRole("row", { name: /new\.analyst@example\.com/ }).getByText("Deactivated")).toBeVisible();

  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await signInByLabels(page, "new.analyst@example.com", "a sufficiently long password");
  await expect(page.getByRole("alert")).toContainText("The email or password is not right.");
});

test("the last admin cannot remove their own access", async ({ page }) => {
  await signIn(page, "admin@scorenow.demo", "/admin/users");
  const row = page.getByRole("row", { name: /admin@scorenow\.demo/ });
  await row.getByRole("button", { name: "Deactivate" }).click();
  await expect(page.getByText("At least one active admin must remain.")).toBeVisible();
});
