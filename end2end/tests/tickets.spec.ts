import { expect, test, type Browser, type Page } from "@playwright/test";
import { SIM_ADMIN_TOKEN, connectServiceNow, sendSignInForm, signIn, snap, waitForHydration } from "./support";

const ACTION = "AdminMFAV2";
const DEEP_LINK = `/securescore/actions/${ACTION}?share=servicenow`;

/** A fresh browser session signed in as `email`, landing on `next`. */
async function session(browser: Browser, email: string, next = "/"): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, email, next);
  return page;
}

/** Sets the simulator's injected faults (`{}` clears them). */
async function simulatorFaults(page: Page, instance: string, faults: object): Promise<void> {
  const response = await page.request.put(`${instance}/sim/admin/faults`, {
    headers: { Authorization: `Bearer ${SIM_ADMIN_TOKEN}` },
    data: faults,
  });
  expect(response.ok()).toBeTruthy();
}

/** The count of `New` change requests on the home card. */
async function newChangeRequests(page: Page): Promise<number> {
  await page.goto("/");
  const count = page.getByTestId("card-change_request").getByTestId("count--5");
  await expect(count).toBeVisible();
  return Number(await count.textContent());
}

test.describe.serial("sharing to ServiceNow and tracking tickets", () => {
  let instance = "";

  test.beforeAll(async ({ browser }) => {
    const admin = await session(browser, "admin@scorenow.demo");
    instance = await connectServiceNow(admin);
    await admin.context().close();
  });

  test("an analyst signs in from a shared deep link, edits and sends, and sees the number and the card count", async ({ browser, page }) => {
    const watcher = await session(browser, "reader@scorenow.demo");
    const before = await newChangeRequests(watcher);

    await page.goto(DEEP_LINK);
    await expect(page).toHaveURL(/\/login\?next=/);
    await sendSignInForm(page, "analyst@scorenow.demo");
    await page.waitForURL(DEEP_LINK);

    const dialog = page.getByRole("dialog", { name: "Share to ServiceNow" });
    await expect(dialog).toBeVisible();
    await waitForHydration(page);
    await expect(dialog.getByLabel("Task name")).toHaveValue(/multifactor authentication/);
    await expect(dialog.getByLabel("Description")).toHaveValue(new RegExp(`/securescore/actions/${ACTION}`));
    await expect(dialog.getByTestId("fact-source")).toHaveText("Microsoft recommendation");
    await expect(dialog.getByTestId("fact-category")).toHaveText("Identity");
    await expect(dialog.getByLabel("Ticket type")).toBeFocused();

    // Errors sit next to their fields before anything is sent; nothing typed is lost.
    await dialog.getByLabel("Task name").fill("");
    await dialog.getByLabel("Due date").fill("2020-01-01");
    await dialog.getByTestId("send-ticket").click();
    await expect(dialog.locator("#ticket-name-error")).toHaveText("This field is required.");
    await expect(dialog.locator("#ticket-due-error")).toHaveText("The due date cannot be in the past.");
    await expect(dialog.getByLabel("Task name")).toBeFocused();
    await snap(page, "share-dialog-errors");

    await dialog.getByLabel("Task name").fill("Require MFA for every admin (ScoreNow e2e)");
    await dialog.getByLabel("Priority").selectOption({ label: "2 - High" });
    const due = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
    await dialog.getByLabel("Due date").fill(due);
    await dialog.getByTestId("send-ticket").click();

    const outcome = dialog.getByTestId("send-outcome");
    await expect(outcome).toContainText("Ticket created in ServiceNow.");
    await expect(outcome.getByRole("link", { name: /^CHG\d{7}$/ })).toHaveAttribute("href", /nav_to\.do\?uri=change_request\.do/);
    await snap(page, "share-dialog-created");

    // Esc closes the dialog; the action now lists its ticket.
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(page).toHaveURL(`/securescore/actions/${ACTION}`);
    await expect(page.getByTestId("linked-tickets")).toContainText(/CHG\d{7}/);

    // Sharing the action again offers the open ticket instead of a second one.
    await page.goto(DEEP_LINK);
    await expect(page.getByRole("dialog").getByTestId("open-ticket")).toContainText(/CHG\d{7}/);
    await expect(page.getByRole("dialog").getByTestId("send-ticket")).toBeDisabled();

    await expect.poll(() => newChangeRequests(watcher), { timeout: 30_000, intervals: [1_000, 2_000, 5_000] })
      .toBe(before + 1);
    await snap(watcher, "home-ticket-cards");
    await watcher.context().close();
  });

  test("with ServiceNow failing the ticket is queued, then created when it recovers", async ({ page }) => {
    await signIn(page, "analyst@scorenow.demo", "/tickets/new");
    await waitForHydration(page);
    await simulatorFaults(page, instance, { error_rate: 1.0 });
    try {
      await page.getByLabel("Ticket type").selectOption({ label: "Incident" });
      await page.getByLabel("Task name").fill("Review guest access (queued e2e)");
      await page.getByLabel("Description").fill("Check every guest account and remove the stale ones.");
      await page.getByLabel("Recommendation category").selectOption({ label: "Identity" });
      await page.getByTestId("send-ticket").click();
      const outcome = page.getByTestId("send-outcome");
      await expect(outcome).toContainText("ScoreNow keeps it");
      await expect(outcome.getByTestId("ticket-badge")).toContainText("Queued");
      await snap(page, "ticket-queued");
    } finally {
      await simulatorFaults(page, instance, {});
    }
    await expect(page.getByTestId("send-outcome").getByRole("link", { name: /^INC\d{7}$/ })).toBeVisible({ timeout: 20_000 });

    await page.goto("/tickets?type=incident");
    await expect(page.getByTestId("tickets-table")).toContainText("Review guest access (queued e2e)");
    await expect(page.getByTestId("tickets-table")).toContainText(/INC\d{7}/);
    await snap(page, "tickets-list");
  });

  test("a ticket ServiceNow refuses for good shows why, and an admin sends it again", async ({ browser }) => {
    const admin = await session(browser, "admin@scorenow.demo", "/tickets/new");
    await waitForHydration(admin);
    await simulatorFaults(admin, instance, { refuse_writes: true });
    try {
      await admin.getByLabel("Task name").fill("Rotate the break-glass password (refused e2e)");
      await admin.getByLabel("Description").fill("Rotate it and store it in the vault.");
      await admin.getByLabel("Recommendation category").selectOption({ label: "Identity" });
      await admin.getByTestId("send-ticket").click();
      await expect(admin.getByTestId("send-outcome").getByTestId("ticket-badge")).toContainText("Not sent");

      await admin.goto("/servicenow/setup");
      await expect(admin.getByTestId("refused-tickets")).toContainText("Tickets not sent: 1.");
      await snap(admin, "setup-refused-tickets");
      await admin.goto("/tickets?state=refused");
      const table = admin.getByTestId("tickets-table");
      await expect(table.getByTestId("ticket-reason")).toContainText("access control");
      await snap(admin, "tickets-refused");
    } finally {
      await simulatorFaults(admin, instance, {});
    }
    await expect(admin.getByTestId("retry-ticket")).toBeVisible();
    // Fixed in ServiceNow: Retry all on the status panel sends it again.
    await admin.goto("/servicenow/setup");
    await waitForHydration(admin);
    await admin.getByTestId("retry-refused").click();
    await expect(admin.getByTestId("retry-refused-outcome")).toContainText("Sent again: 1");
    await expect(admin.getByTestId("refused-tickets")).toHaveCount(0);
    await admin.goto("/tickets?type=change_request");
    const row = admin.getByRole("row", { name: /Rotate the break-glass password/ });
    await expect(row.getByRole("link", { name: /^CHG\d{7}$/ })).toBeVisible({ timeout: 20_000 });
    await admin.context().close();
  });

  test("an admin reads the share in the audit log", async ({ browser }) => {
    const admin = await session(browser, "admin@scorenow.demo", "/audit?action=ticket.");
    await expect(admin.getByTestId("audit-table")).toContainText("ticket.shared");
    await expect(admin.getByTestId("audit-table")).toContainText("ticket.queued");
    await snap(admin, "audit-log");
    await admin.context().close();
  });
});
