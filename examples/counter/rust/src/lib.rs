//! wasmio counter example: one number in the namespace's key-value store
//! that many sockets increment at once without losing a count.
//! `../README.md` documents the protocol; `../go` is the same handler in Go.

use wasmio::{json, App, Event, Json, Result, Socket};

const KEY: &str = "count";
const MAX_AMOUNT: i64 = 1_000_000;

fn setup(app: &mut App) {
    app.on("increment", increment).on("get", get);
}

wasmio::export!(setup);

/// Adds the optional amount (default 1). `Kv::incr` is exact under any
/// concurrency: when another socket's increment commits first, the host
/// runs this handler again on the new value, so the value it acks and
/// broadcasts is the one it stored.
fn increment(s: &mut Socket, e: &Event) -> Result<()> {
    let by = match amount(e) {
        Some(by) => by,
        None => return e.refuse("amount must be an integer from 1 to 1000000"),
    };
    let ns = s.namespace();
    let n = ns.kv().incr(KEY, by)?;
    ns.emit("count", &[json!({"value": n})])?;
    e.ack(&[json!({"ok": true, "value": n})])
}

fn get(s: &mut Socket, e: &Event) -> Result<()> {
    let n = match s.namespace().kv().get_string(KEY)? {
        Some(v) => v
            .parse::<i64>()
            .map_err(|_| "the counter is not an integer")?,
        None => 0,
    };
    e.ack(&[json!({"ok": true, "value": n})])
}

/// The first argument: absent or null means 1; otherwise a whole number
/// from 1 to `MAX_AMOUNT`.
fn amount(e: &Event) -> Option<i64> {
    match e.arg(0) {
        None | Some(Json::Null) => Some(1),
        Some(v) => v.as_i64().filter(|by| (1..=MAX_AMOUNT).contains(by)),
    }
}
