// demo_browser.js opens the demo in two pages of a real Chromium: both join,
// one types and sends a message, the other must show both; the other page
// whispers back to the socket id the first one shows. Usage: node
// demo_browser.js URL
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
    await ada.getByText("Hello, ada!").waitFor();
    await bob.goto(url + "?name=bob");
    await bob.getByText("Hello, bob!").waitFor();
    await ada.getByText("bob joined.").waitFor();

    // Typing shows on the other page; the message too, and on the
    // sender's page as its own (the server sends it to the others only).
    await ada.fill("#text", "hello from ada");
    await bob.getByText("ada is typing…").waitFor();
    await ada.press("#text", "Enter");
    await bob.getByText("ada: hello from ada").waitFor();
    await ada.getByText("you (lobby): hello from ada").waitFor();

    // A whisper to the socket id ada's page shows.
    const adaId = await ada.evaluate(() => window.chat.id);
    if ((await ada.textContent("#myId")) !== adaId) throw new Error("the page does not show its socket id");
    await bob.fill("#pmTarget", adaId);
    await bob.fill("#pmText", "psst");
    await bob.press("#pmText", "Enter");
    await ada.getByText("(private) bob: psst").waitFor();
    await bob.getByText("(private) you: psst").waitFor();

    const scripts = await ada.evaluate(() => [...document.scripts].map((s) => s.src).filter(Boolean));
    console.log(JSON.stringify({ ok: true, scripts }));
  } finally {
    await browser.close();
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
