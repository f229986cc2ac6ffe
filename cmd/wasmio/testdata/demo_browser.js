// demo_browser.js opens the demo in two pages of a real Chromium: both join,
// one sends a message, the other must show it. Usage: node demo_browser.js URL
"use strict";
const { chromium } = require("playwright-core");

(async () => {
  const url = process.argv[2];
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const context = await browser.newContext();
    const ada = await context.newPage();
    const bob = await context.newPage();
    await ada.goto(url + "?name=ada");
    await ada.getByText("Welcome, ada.").waitFor();
    await bob.goto(url + "?name=bob");
    await bob.getByText("Welcome, bob.").waitFor();
    await ada.getByText("bob joined lobby.").waitFor();

    await ada.fill("#text", "hello from ada");
    await ada.press("#text", "Enter");
    await bob.getByText("ada: hello from ada").waitFor();

    // A whisper: bob clicks ada in the people list and answers privately.
    await bob.locator("#people li", { hasText: "ada" }).click();
    await bob.fill("#text", "psst");
    await bob.press("#text", "Enter");
    await ada.getByText("(private) bob → you: psst").waitFor();

    const scripts = await ada.evaluate(() => [...document.scripts].map((s) => s.src).filter(Boolean));
    console.log(JSON.stringify({ ok: true, scripts }));
  } finally {
    await browser.close();
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
