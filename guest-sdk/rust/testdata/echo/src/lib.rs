//! wasmio test handler.
//!
//! - `$connect`: joins room "all".
//! - `kv`: increments the namespace counter "counter" and acks the new
//!   value.
//! - `fail`: returns an error, so the event fails and nothing it did
//!   applies (it emits first, to show that).
//! - `boom`: panics, which traps the instance (panic = "abort"); the event
//!   fails the same way.
//! - `fresh`: keeps a byte on the heap, in a vector held by a static, and
//!   acks how many the vector holds: 1 on every event, since every event
//!   starts from the module's initial state.
//! - any other event (`$default`): acks with its arguments when the client
//!   asked, and emits "echo" back to the sender with the same arguments and
//!   binary attachments, byte for byte.

use wasmio::{json, App, Event, Result, Socket};

static mut SEEN: Vec<u8> = Vec::new();

fn setup(app: &mut App) {
    app.on_connect(|s, _| s.join("all"));
    app.on("kv", |s, e| {
        let n = s.namespace().kv().incr("counter", 1)?;
        if e.wants_ack() {
            e.ack(&[json!(n)])?;
        }
        Ok(())
    });
    app.on("fail", |s, _| {
        s.emit("echo", &[json!("this emit is discarded")])?;
        Err("fail: requested by the client".into())
    });
    app.on("boom", |_, _| panic!("boom requested"));
    app.on("fresh", |_, e| {
        // Safety: an instance runs one event at a time, on one thread.
        let seen = unsafe {
            SEEN.push(1);
            SEEN.len()
        };
        e.ack(&[json!(seen)])
    });
    app.on_default(echo);
}

fn echo(s: &mut Socket, e: &Event) -> Result<()> {
    let payload = e.payload()?;
    if e.wants_ack() {
        e.ack(&payload)?;
    }
    s.emit("echo", &payload)
}

wasmio::export!(setup);
