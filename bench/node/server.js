// The Node reference for wasmio-bench: the socket.io 4.x server from npm
// (WebSocket through ws, which uses bufferutil and utf-8-validate when they
// are installed), running in-process the logic of bench/handlers/rust:
//
//   join  -> socket.join(room), ack "ok"
//   pub   -> io.of("/").to("bench").emit("tick", ...args)   (namespace level)
//   echo  -> socket.emit("echo", ...args)                   (to the sender)
//   with BENCH_JWT_SECRET set, a middleware verifies an HS256 JWT from the
//   CONNECT auth ({token}) and requires a "sub" claim, as wasmio's
//   [namespace.auth.jwt] plus the $connect handler do.
//
// Usage: node server.js PORT   (prints one JSON line with versions when listening)
"use strict";

const http = require("http");
const crypto = require("crypto");
const { Server } = require("socket.io");

const port = Number(process.argv[2] || 3000);
const secret = process.env.BENCH_JWT_SECRET || "";

function b64urlDecode(s) {
  return Buffer.from(s.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

// verifyHS256 returns the claims of a valid, unexpired HS256 token, or null.
function verifyHS256(token) {
  if (typeof token !== "string") return null;
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  let header;
  try {
    header = JSON.parse(b64urlDecode(parts[0]).toString("utf8"));
  } catch {
    return null;
  }
  if (!header || header.alg !== "HS256") return null;
  const want = crypto.createHmac("sha256", secret).update(parts[0] + "." + parts[1]).digest();
  const got = b64urlDecode(parts[2]);
  if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) return null;
  let claims;
  try {
    claims = JSON.parse(b64urlDecode(parts[1]).toString("utf8"));
  } catch {
    return null;
  }
  const now = Date.now() / 1000;
  if (typeof claims.exp === "number" && claims.exp <= now) return null;
  if (typeof claims.nbf === "number" && claims.nbf > now) return null;
  return claims;
}

const httpServer = http.createServer();
const io = new Server(httpServer, {
  transports: ["polling", "websocket"],
  serveClient: false,
  perMessageDeflate: false,
  // Large enough for 10,000 sockets connecting at once.
  connectTimeout: 45000,
});

if (secret) {
  io.use((socket, next) => {
    const claims = verifyHS256(socket.handshake.auth && socket.handshake.auth.token);
    if (!claims) return next(new Error("unauthorized"));
    if (typeof claims.sub !== "string" || !claims.sub) return next(new Error("token has no subject"));
    socket.data.claims = claims;
    next();
  });
}

io.on("connection", (socket) => {
  socket.on("join", (room, cb) => {
    socket.join(typeof room === "string" && room ? room : "bench");
    if (typeof cb === "function") cb("ok");
  });
  socket.on("pub", (...args) => {
    io.of("/").to("bench").emit("tick", ...args);
  });
  socket.on("echo", (...args) => {
    socket.emit("echo", ...args);
  });
});

function version(pkg) {
  for (const dir of module.paths) {
    try {
      return JSON.parse(require("fs").readFileSync(require("path").join(dir, pkg, "package.json"), "utf8")).version;
    } catch {}
  }
  return "missing";
}

function loads(pkg) {
  try {
    require(pkg);
    return true;
  } catch {
    return false;
  }
}

httpServer.listen(port, "127.0.0.1", 4096, () => {
  console.log(
    JSON.stringify({
      listening: port,
      node: process.version,
      socketio: version("socket.io"),
      engineio: version("engine.io"),
      ws: version("ws"),
      bufferutil: loads("bufferutil") ? version("bufferutil") : "missing",
      utf8validate: loads("utf-8-validate") ? version("utf-8-validate") : "missing",
    })
  );
});
