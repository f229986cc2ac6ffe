//! wasmio benchmark handler (Rust). The same logic runs in the Node
//! reference (bench/node/server.js), the native Go server and the Go guest
//! (bench/handlers/go):
//!
//! - `join`: joins the room named by the first argument ("bench" if none)
//!   and acks "ok", so the load generator knows the join happened;
//! - `pub`: `io.of(ns).to("bench").emit("tick", ...args)` with the
//!   publisher's arguments forwarded byte for byte (the publisher is not in
//!   the room);
//! - `echo`: emits "echo" back to the sender with the same arguments;
//! - `$connect`: the host has already verified the JWT (wasmio.toml
//!   `[namespace.auth.jwt]`); the handler accepts sockets whose token names
//!   a subject.

use wasmio::{App, Json, Payload};

fn setup(app: &mut App) {
    app.on_connect(|s, _| {
        if s.handshake().claims()["sub"].as_str().is_none() {
            return s.reject("token has no subject", None);
        }
        Ok(())
    });
    app.on("join", |s, e| {
        let room = e.arg(0).and_then(Json::as_str).unwrap_or("bench").to_string();
        s.join(&room)?;
        if e.wants_ack() {
            e.ack(&[Json::from("ok")])?;
        }
        Ok(())
    });
    app.on("pub", |s, e| {
        s.namespace().to("bench").emit("tick", Payload::from_raw(e.args(), Vec::new()))
    });
    app.on("echo", |s, e| s.emit("echo", Payload::from_raw(e.args(), Vec::new())));
}

wasmio::export!(setup);
