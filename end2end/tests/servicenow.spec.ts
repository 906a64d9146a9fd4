import { expect, test } from "@playwright/test";
import {
  DEMO_CLIENT_ID,
  DEMO_PASSWORD,
  DEMO_CLIENT_SECRET,
  allowAtInstance,
  demoInstance,
  signIn,
  snap,
  submitConnectionForm,
  waitForHydration,
} from "./support";

test("an admin connects ServiceNow, renames a state and removes the connection", async ({ page }) => {
  await signIn(page, "admin@scorenow.demo");
  const offer = page.getByTestId("servicenow-offer");
  await expect(offer.getByRole("heading", { name: "Do you use ServiceNow?" })).toBeVisible();
  await waitForHydration(page);
  await offer.getByRole("link", { name: "Connect to ServiceNow" }).click();
  await expect(page).toHaveURL("/servicenow/setup");
  await expect(page.getByTestId("connection-state")).toHaveText("Not connected");
  await expect(page.getByTestId("redirect-uri")).toHaveValue(/\/servicenow\/callback$/);
  const instance = await demoInstance(page);
  await waitForHydration(page);
  await snap(page, "servicenow-setup");

  // A host that is not ServiceNow is refused next to the field; the other fields stay.
  await submitConnectionForm(page, "evil.example.com");
  await expect(page.getByText("evil.example.com is not a ServiceNow host.")).toBeVisible();
  await expect(page.getByLabel("Client ID")).toHaveValue(DEMO_CLIENT_ID);

  // The kept client ID goes with the corrected instance.
  await page.getByLabel("Instance", { exact: true }).fill(instance);
  await page.getByLabel("Client secret").fill(DEMO_CLIENT_SECRET);
  await page.getByRole("button", { name: "Authorize" }).click();

  // The instance's own pages: sign in as the integration user, then Allow.
  await allowAtInstance(page);
  await expect(page.getByText("ScoreNow is connected to ServiceNow.")).toBeVisible();
  await expect(page.getByTestId("connection-state")).toHaveText("Connected");
  await expect(page.getByTestId("integration-user")).toContainText("scorenow.integration");
  await expect(page.getByTestId("secret-stored")).toBeVisible();
  await waitForHydration(page);
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByRole("button", { name: "Test connection" })).toBeEnabled();
  await expect(page.getByText("Last error")).toHaveCount(0);
  await snap(page, "servicenow-connected");

  await page.getByRole("link", { name: "Manage ServiceNow configuration" }).click();
  await expect(page).toHaveURL("/servicenow/settings");
  await waitForHydration(page);
  const changes = page.getByTestId("states-change_request");
  await changes.getByLabel("New").fill("Proposed");
  await changes.getByRole("button", { name: "Save", exact: true }).click();
  await page.reload();
  await expect(page.getByTestId("states-change_request").getByLabel("New")).toHaveValue("Proposed");
  await snap(page, "servicenow-settings");

  // Removing needs the admin's password again, then the box ticked.
  await waitForHydration(page);
  await page.getByRole("button", { name: "Remove connection" }).click();
  await expect(page.getByText("This change needs your password again.")).toBeVisible();
  await page.getByLabel("Your password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Confirm password" }).click();
  await expect(page.getByText("Password confirmed for the next 10 minutes.")).toBeVisible();
  await page.getByRole("button", { name: "Remove connection" }).click();
  await expect(page.getByText("Tick the box to confirm the removal.")).toBeVisible();
  await page.getByLabel("I understand").check();
  await page.getByRole("button", { name: "Remove connection" }).click();
  await expect(page.getByText("The connection was removed.")).toBeVisible();
  await expect(page.getByText("ServiceNow is not connected.")).toBeVisible();
});
