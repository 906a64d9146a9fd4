import { expect, test } from "@playwright/test";
import { inFreshContext, signInByLabels } from "./support";

/** The demo server whose sessions end after 3 seconds unused (end2end/run.sh). */
const shortSessions = process.env.SHORT_SESSION_URL ?? "http://127.0.0.1:3002";

test("an idle session ends and signing in again returns to the deep link", async ({ browser }) => {
  await inFreshContext(browser, { baseURL: shortSessions }, async (page) => {
    await page.goto("/login?next=%2Ftickets");
    await signInByLabels(page, "analyst@scorenow.demo");
    await expect(page).toHaveURL("/tickets");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Tickets");

    // Unused for longer than the idle timeout, the session has ended.
    await page.waitForTimeout(4_500);
    const deepLink = "/securescore/actions/AdminMFAV2?share=servicenow";
    await page.goto(deepLink);
    await expect(page).toHaveURL(`/login?next=${encodeURIComponent(deepLink)}`);
    await signInByLabels(page, "analyst@scorenow.demo");
    await expect(page).toHaveURL(deepLink);
    await expect(page.getByRole("dialog")).toBeVisible();
  });
});
