import { expect, test } from "@playwright/test";
import { inFreshContext, signIn, snap, waitForHydration } from "./support";

test("hydrated language picker switches in place and the choice survives a reload", async ({ page }) => {
  await signIn(page, "reader@scorenow.demo", "/securescore");
  await waitForHydration(page);
  await page.evaluate(() => {
    (window as unknown as { sameDocument: boolean }).sameDocument = true;
  });

  await page.getByLabel("Language").selectOption("zh-CN");

  await expect(page.getByRole("heading", { level: 1 })).toHaveText("改进操作");
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  // Switched by the WASM app, not by a page load.
  expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  await snap(page, "securescore-zh-CN");

  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("改进操作");
  await expect(page.getByLabel("语言")).toHaveValue("zh-CN");
});

test("language picker works without JavaScript", async ({ browser }) => {
  await inFreshContext(browser, { javaScriptEnabled: false }, async (page) => {
    await signIn(page, "reader@scorenow.demo", "/tickets?type=incident");
    await page.getByLabel("Language").selectOption("nl");
    await page.getByRole("banner").getByRole("button", { name: "Apply" }).click();

    await expect(page).toHaveURL("/tickets?type=incident");
    await expect(page.locator("html")).toHaveAttribute("lang", "nl");
    await expect(page.getByRole("button", { name: "Afmelden", exact: true })).toBeVisible();
    await snap(page, "tickets-nl-no-js");
  });
});
