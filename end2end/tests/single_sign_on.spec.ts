import { expect, test, type Page } from "@playwright/test";
import { inFreshContext, snap, waitForHydration } from "./support";

/** The demo server that signs in through npm's oidc-provider (end2end/run.sh). */
const sso = process.env.SSO_URL ?? "http://127.0.0.1:3003";
const DEEP_LINK = "/securescore/actions/AdminMFAV2?share=servicenow";

/** On the provider's sign-in page: signs in as the test account `login`. */
async function signInAtProvider(page: Page, login: string): Promise<void> {
  await expect(page.getByRole("heading", { name: /Sign in to/ })).toBeVisible();
  await page.getByLabel("Username").fill(login);
  await page.getByLabel("Password").fill("any password");
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("a shared deep link, signed in through the identity provider, lands on the share dialog", async ({ browser }) => {
  await inFreshContext(browser, { baseURL: sso }, async (page) => {
    await page.goto(DEEP_LINK);
    await expect(page).toHaveURL(/\/login\?next=/);
    await waitForHydration(page);
    await snap(page, "sso-sign-in");
    await page.getByRole("link", { name: "Sign in with Microsoft" }).click();

    await signInAtProvider(page, "analyst");
    await page.waitForURL(`${sso}${DEEP_LINK}`);
    const dialog = page.getByRole("dialog", { name: "Share to ServiceNow" });
    await expect(dialog).toBeVisible();
    await expect(page.getByRole("banner").getByText("Alan Analyst")).toBeVisible();
    await snap(page, "sso-deep-link-dialog");
  });
});

test("a user without a ScoreNow role is told which role to ask for, in their language", async ({ browser }) => {
  await inFreshContext(browser, { baseURL: sso, locale: "de-DE" }, async (page) => {
    await page.goto("/login?next=%2Ftickets");
    await page.getByRole("link", { name: "Mit Microsoft anmelden" }).click();
    await signInAtProvider(page, "norole");
    await expect(page).toHaveURL(/\/login\?sso=no_role&next=%2Ftickets/);
    await expect(page.getByTestId("sso-refusal")).toContainText("ScoreNow.Reader");
    await expect(page.getByTestId("sso-refusal")).toContainText("keine der Rollen");
    await snap(page, "sso-no-role-de");
  });
});
