import { expect, test } from "@playwright/test";
import { inFreshContext, signIn, snap, waitForHydration } from "./support";

test("home page is server-rendered with navigation and honest empty states", async ({ page }) => {
  await signIn(page, "reader@scorenow.demo");
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle("Home · ScoreNow");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Home");

  const nav = page.getByRole("navigation", { name: "Main navigation" });
  for (const name of ["Home", "Secure Score", "Tickets", "ServiceNow"]) {
    await expect(nav.getByRole("link", { name })).toBeVisible();
  }
  await expect(nav.getByRole("link", { name: "Home" })).toHaveAttribute("aria-current", "page");
  const offer = page.getByTestId("servicenow-offer");
  await expect(offer.getByRole("heading", { name: "Do you use ServiceNow?" })).toBeVisible();
  await expect(offer.getByText("An administrator can connect ServiceNow.")).toBeVisible();
  await waitForHydration(page);
  await snap(page, "home-en");

  // "No" hides the offer for this user, for good.
  await offer.getByRole("button", { name: "No" }).click();
  await expect(page.getByText("ServiceNow is not connected.")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("servicenow-offer")).toHaveCount(0);
});

test("navigation links reach every section", async ({ page }) => {
  await signIn(page, "admin@scorenow.demo");
  await waitForHydration(page);
  const nav = page.getByRole("navigation", { name: "Main navigation" });
  const sections: Array<[string, string, string]> = [
    ["Secure Score", "/securescore", "Improvement actions"],
    ["Tickets", "/tickets", "Tickets"],
    ["ServiceNow", "/servicenow/setup", "Connect to ServiceNow"],
  ];
  for (const [link, url, heading] of sections) {
    await nav.getByRole("link", { name: link }).click();
    await expect(page).toHaveURL(url);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(heading);
    await expect(nav.getByRole("link", { name: link })).toHaveAttribute("aria-current", "page");
    await snap(page, `section${url.replaceAll("/", "-")}`);
  }
});

test("first response follows Accept-Language", async ({ browser }) => {
  await inFreshContext(browser, { locale: "de-DE" }, async (page) => {
    await signIn(page, "reader@scorenow.demo", "/tickets");
    await expect(page.locator("html")).toHaveAttribute("lang", "de");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Tickets");
    await expect(page.getByRole("button", { name: "Abmelden", exact: true })).toBeVisible();
    await snap(page, "tickets-de");
  });
});

test("unknown address shows the 404 page with status 404", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  await snap(page, "not-found");
  await waitForHydration(page);
  await page.getByRole("link", { name: "Go to the home page" }).click();
  await expect(page).toHaveURL(/\/login\?next=%2F$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sign in");
});

test("page is usable at 360 px wide", async ({ browser }) => {
  await inFreshContext(browser, { viewport: { width: 360, height: 740 } }, async (page) => {
    await signIn(page, "analyst@scorenow.demo");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await snap(page, "home-narrow");
  });
});

test("dark colour scheme follows the operating system", async ({ browser }) => {
  const backgroundOf = (colorScheme: "light" | "dark") =>
    inFreshContext(browser, { colorScheme }, async (page) => {
      await page.goto("/");
      const colours = await page.evaluate(() => {
        const body = getComputedStyle(document.body);
        return { background: body.backgroundColor, text: body.color };
      });
      await snap(page, `home-${colorScheme}`);
      return colours;
    });
  const light = await backgroundOf("light");
  const dark = await backgroundOf("dark");
  expect(light.background).toBe("rgb(245, 245, 245)");
  expect(dark.background).toBe("rgb(20, 20, 20)");
  expect(dark.text).toBe("rgb(240, 240, 240)");
});
