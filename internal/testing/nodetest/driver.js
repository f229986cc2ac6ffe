// driver.js runs real socket.io-client sockets on behalf of a Go test.
// It reads one JSON command per line on stdin and writes one JSON event per
// line on stdout. Binary values travel as {"$bin": "<base64>"} both ways.
"use strict";
const { io } = require("socket.io-client");
const readline = require("readline");

const clients = new Map();

function out(o) {
  process.stdout.write(JSON.stringify(o) + "\n");
}

function enc(v) {
  if (Buffer.isBuffer(v)) return { $bin: v.toString("base64") };
  if (v instanceof ArrayBuffer) return { $bin: Buffer.from(v).toString("base64") };
  if (ArrayBuffer.isView(v)) return { $bin: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") };
  if (Array.isArray(v)) return v.map(enc);
  if (v && typeof v === "object") {
    const o = {};
    for (const k of Object.keys(v)) o[k] = enc(v[k]);
    return o;
  }
  return v;
}

function dec(v) {
  if (Array.isArray(v)) return v.map(dec);
  if (v && typeof v === "object") {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === "$bin") return Buffer.from(v.$bin, "base64");
    const o = {};
    for (const k of keys) o[k] = dec(v[k]);
    return o;
  }
  return v;
}

const ops = {
  connect(cmd) {
    const c = cmd.c;
    const s = io(cmd.url, Object.assign({ forceNew: true, reconnection: false }, dec(cmd.opts || {})));
    const state = { s, autoAck: null };
    clients.set(c, state);
    const hookEngine = () => {
      const e = s.io.engine;
      if (!e || e.__hooked) return;
      e.__hooked = true;
      e.on("upgrade", (t) => out({ c, ev: "upgrade", transport: t.name }));
    };
    s.io.on("open", hookEngine);
    s.on("connect", () => {
      hookEngine();
      out({ c, ev: "connect", sid: s.id, transport: s.io.engine.transport.name, engineId: s.io.engine.id });
    });
    s.on("connect_error", (err) => out({ c, ev: "connect_error", message: err.message, data: enc(err.data === undefined ? null : err.data) }));
    s.on("disconnect", (reason) => out({ c, ev: "disconnect", reason }));
    s.onAny((name, ...args) => {
      let ack = null;
      if (args.length && typeof args[args.length - 1] === "function") ack = args.pop();
      out({ c, ev: "event", name: String(name), args: enc(args), ack: !!ack });
      if (ack && !state.ignoreAcks) ack(...dec(state.autoAck || []));
    });
  },
  emit(cmd) {
    const { s } = clients.get(cmd.c);
    const args = dec(cmd.args || []);
    if (cmd.ack) {
      s.timeout(cmd.timeout || 5000).emit(cmd.event, ...args, (err, ...resp) =>
        out({ c: cmd.c, ev: "ack", seq: cmd.seq, err: err ? err.message : null, args: enc(resp) }),
      );
    } else {
      s.emit(cmd.event, ...args);
    }
  },
  autoAck(cmd) {
    clients.get(cmd.c).autoAck = cmd.args;
  },
  ignoreAcks(cmd) {
    clients.get(cmd.c).ignoreAcks = true;
  },
  disconnect(cmd) {
    clients.get(cmd.c).s.disconnect();
  },
  // stopPong makes the engine ignore the server's pings from now on.
  stopPong(cmd) {
    const e = clients.get(cmd.c).s.io.engine;
    const orig = e._sendPacket.bind(e);
    e._sendPacket = (type, ...rest) => (type === "pong" ? undefined : orig(type, ...rest));
  },
  // raw sends a raw Engine.IO message, bypassing the Socket.IO encoder.
  raw(cmd) {
    clients.get(cmd.c).s.io.engine.send(cmd.binary ? Buffer.from(cmd.data, "base64") : cmd.data);
  },
  sync(cmd) {
    out({ c: "", ev: "sync", seq: cmd.seq });
  },
  // exit closes every socket and leaves time for the close packets of
  // polling transports (sent by POST) to reach the server.
  exit() {
    for (const { s } of clients.values()) s.close();
    setTimeout(() => process.exit(0), clients.size ? 300 : 0);
  },
};

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  if (!line.trim()) return;
  const cmd = JSON.parse(line);
  try {
    ops[cmd.op](cmd);
  } catch (e) {
    out({ c: cmd.c || "", ev: "driver_error", message: String(e && e.stack || e) });
  }
});
process.stdin.on("end", () => ops.exit());
