//! The Rust SDK's module for the SDK conformance suite,
//! `guest-sdk/conformance`: it exposes what the SDK does as events, so that
//! the suite can drive it through the real runtime. The Go SDK's
//! `guest-sdk/go/testdata/sdkcheck` speaks the same event protocol, which
//! `guest-sdk/conformance/conformance_test.go` describes.
//!
//! Errors are reported by their ABI names (`"ERR_STATE"`), null for none.

// The event report is a long json! literal.
#![recursion_limit = "256"]

use wasmio::log::{self, Level};
use wasmio::{json, AckError, App, Arg, Error, Event, Json, Kv, Result, Socket};

fn setup(app: &mut App) {
    app.on_connect(connect);
    app.on_disconnect(disconnected);
    app.on("socket", |s, e| {
        e.ack(&[json!({
            "id": s.id(),
            "namespace": s.namespace().name(),
            "eventNamespace": e.namespace(),
            "rooms": s.rooms(),
        })])
    });
    app.on("event", event_info);
    app.on("ack", ack);
    app.on("ack-empty", |_, e| e.ack(()));
    app.on("return-ack", |s, e| {
        s.broadcast().emit("r", ())?;
        e.ack(&[json!({"ok": true})])
    });
    app.on("ack-again", |_, e| {
        e.ack(&[json!(1)])?;
        e.ack(&[json!(2)])
    });
    app.on("reply", |s, e| {
        let (first, second, refused) =
            (e.reply(&[json!(1)]), e.reply(&[json!(2)]), e.refuse("late"));
        s.emit(
            "replied",
            &[err_json(&first), err_json(&second), err_json(&refused)],
        )
    });
    app.on("refuse", |_, e| {
        let message = e
            .arg(0)
            .and_then(Json::as_str)
            .ok_or("refuse: argument 0 must be a string")?;
        e.refuse(message)
    });
    app.on("request", |_, e| match e.request() {
        Some(req) => e.ack(&[json!([true, req])]),
        None => e.ack(&[json!([false, null])]),
    });
    app.on("deep", |_, e| {
        let count = e.args_json().map_or(0, <[Json]>::len);
        e.ack(&[json!([e.arg(0).is_some(), count])])
    });
    app.on("names", names);
    // Both handlers run, in registration order.
    app.on("registered-twice", |s, e| {
        s.emit("first", ())?;
        if e.arg(0).and_then(Json::as_str) == Some("fail") {
            return Err("first failed".into());
        }
        Ok(())
    });
    app.on("registered-twice", |s, _| {
        log::info("second");
        s.emit("second", ())
    });
    app.on("emit-targets", emit_targets);
    app.on("emit-binary", emit_binary);
    app.on("rooms", rooms);
    app.on("handshake", handshake);
    app.on("disconnect-socket", disconnect_socket);
    app.on("kv", kv_script);
    app.on("services", services);
    app.on("fail", fail);
    app.on("emit-ack", emit_ack);
    app.on("emit-ack-many", emit_ack_many);
    app.on_ack(ack_report);
    app.on_default(relay);
    app.on_default(|s, e| {
        if e.name() == "default-twice" {
            s.emit("second-default", ())?;
        }
        Ok(())
    });
}

wasmio::export!(setup);

/// Names an error by its ABI error code (its message if it has none).
fn err_name(err: &Error) -> Json {
    match err.abi_name() {
        Some(name) => Json::from(name),
        None => Json::from(err.to_string()),
    }
}

/// A result's error name; null for success.
fn err_json<T>(r: &Result<T>) -> Json {
    r.as_ref().err().map_or(Json::Null, err_name)
}

/// Acts on `auth.mode`: "reject", "reject-plain", "fail", or anything else
/// to accept the socket and keep `auth.name` in its scope.
fn connect(s: &mut Socket, _: &Event) -> Result<()> {
    let auth = s.handshake().auth();
    let kv = s.namespace().kv();
    match auth["mode"].as_str().unwrap_or("") {
        "reject" => {
            kv.incr("rejections", 1)?;
            s.reject("not allowed", Some(json!({"code": 42})))?;
            kv.put("reject-again", err_json(&s.reject("again", None)).to_json())
        }
        "reject-plain" => s.reject("no data", None),
        "fail" => {
            kv.put("ghost", "boo")?;
            Err("connect failed on request".into())
        }
        _ => s.data().put("name", auth["name"].as_str().unwrap_or("")),
    }
}

/// Records the reason and the socket's name in the namespace key
/// "disconnect/<id>".
fn disconnected(s: &mut Socket, e: &Event) -> Result<()> {
    let name = s.data().get_string("name")?;
    let late = s.emit_with_ack("late", 0, "late", ());
    let record =
        json!({"reason": e.reason().unwrap_or(""), "name": name, "emitAck": err_json(&late)});
    s.namespace()
        .kv()
        .put(format!("disconnect/{}", s.id()), record.to_json())
}

/// Reads the arguments [object, binary, string, binary, number, binary,
/// {"nested": placeholder}] and acks a report with the three binary
/// arguments.
fn event_info(_: &mut Socket, e: &Event) -> Result<()> {
    let args = e.args_json()?;
    let binary = |i: usize| e.binary_arg(i).ok_or("event: a binary argument is missing");
    let nested = e
        .arg(6)
        .and_then(|v| e.binary(&v["nested"]))
        .ok_or("event: the nested binary is missing")?;
    let lens: Vec<Json> = e
        .attachments()?
        .iter()
        .map(|a| Json::from(a.len()))
        .collect();
    let report = json!({
        "name": e.name(),
        "namespace": e.namespace(),
        "time": e.time_ms(),
        "wantsAck": e.wants_ack(),
        "reason": e.reason().unwrap_or(""),
        "numArgs": args.len(),
        "numAttachments": e.attachment_count(),
        "args": String::from_utf8_lossy(e.args()),
        "text": args[0]["text"].as_str().unwrap_or(""),
        "room": args[0]["room"].as_str().unwrap_or(""),
        "bigLen": args[2].as_str().map_or(0, str::len),
        "int": args[4].as_i64(),
        "raw1": args[1].to_json(),
        "arg0IsInt": args[0].as_i64().is_some(),
        "arg0IsBinary": e.binary_arg(0).is_some(),
        "hasArg7": e.arg(7).is_some(),
        "hasAttachment3": e.attachment(3).is_some(),
        "nestedLen": nested.len(),
        "attachmentLens": lens,
    });
    e.ack(vec![
        Arg::Json(report),
        Arg::Binary(binary(1)?),
        Arg::Binary(binary(3)?),
        Arg::Binary(binary(5)?),
    ])
}

/// Acks twice, then emits "after" with both results and a binary.
fn ack(s: &mut Socket, e: &Event) -> Result<()> {
    let first = e.ack([Arg::from(json!({"ok": true})), Arg::binary(&b"bin"[..])]);
    let second = e.ack(&[json!(1)]);
    s.emit(
        "after",
        [
            Arg::Json(err_json(&first)),
            Arg::Json(err_json(&second)),
            Arg::binary(&b"other"[..]),
        ],
    )
}

fn emit_targets(s: &mut Socket, _: &Event) -> Result<()> {
    let base = s.to("a");
    s.emit("self", &[json!("x"), json!(1)])?;
    s.broadcast().emit("all", ())?;
    base.clone().to("b").except("c").emit("chain", ())?;
    base.emit("reuse", ())?; // the chain above did not change base
    s.except(["x", "y"]).emit("except", ())?;
    s.to(vec!["a", "b"]).emit("to-list", ())?;
    let ns = s.namespace();
    ns.to(["p", "q"])
        .except(&["r", "s"][..])
        .emit("multi", ())?;
    ns.emit("ns", &[Json::Null])?;
    ns.to("a").except(s.id()).emit("nsto", ())?;
    ns.except("z").emit("nsexcept", ())?;
    let long = "e".repeat(1025);
    s.emit(
        "errors",
        &[
            err_json(&s.to("").emit("bad", ())),
            err_json(&s.to("a\0b").emit("bad", ())),
            err_json(&s.except("").emit("bad", ())),
            err_json(&s.emit("disconnect", ())),
            err_json(&s.emit("", ())),
            err_json(&s.emit(&long, ())),
            err_json(&ns.to("a").emit("connect_error", ())),
        ],
    )
}

/// Stages attachments in order; a failed emit's staged attachment must not
/// shift the next emit's.
fn emit_binary(s: &mut Socket, _: &Event) -> Result<()> {
    s.emit(
        "bin",
        [
            Arg::binary(vec![1]),
            Arg::from(json!({"k": 2})),
            Arg::from(&b"two"[..]),
        ],
    )?;
    let lost = s.emit("disconnect", [Arg::binary(&b"lost"[..])]);
    s.emit("after-fail", [Arg::binary(&b"kept"[..])])?;
    s.emit("plain", &[err_json(&lost)])
}

/// Runs the operations of argument 0: "+room" joins, "-room" leaves,
/// ["+", rooms...] and ["-", rooms...] join or leave several at once, "?"
/// reads the rooms, "=room" tells whether the socket is in room. Acks one
/// result per operation.
fn rooms(s: &mut Socket, e: &Event) -> Result<()> {
    let ops = e
        .arg(0)
        .and_then(Json::as_array)
        .ok_or("rooms: argument 0 must be a list")?;
    let mut results = Vec::new();
    for op in ops {
        if let Some(list) = op.as_array() {
            let names: Vec<&str> = list[1..].iter().filter_map(Json::as_str).collect();
            results.push(err_json(&if list[0].as_str() == Some("+") {
                s.join(names)
            } else {
                s.leave(names)
            }));
            continue;
        }
        let op = op
            .as_str()
            .ok_or("rooms: operations are strings or lists")?;
        results.push(if op == "?" {
            Json::from(s.rooms())
        } else if let Some(room) = op.strip_prefix('=') {
            Json::from(s.in_room(room))
        } else if let Some(room) = op.strip_prefix('+') {
            err_json(&s.join(room))
        } else {
            err_json(&s.leave(op.strip_prefix('-').unwrap_or(op)))
        });
    }
    e.ack(&[Json::from(results)])
}

/// Acks `[js_length, valid_name with a maximum of 4]` for each string
/// argument.
fn names(_: &mut Socket, e: &Event) -> Result<()> {
    let mut out = Vec::new();
    for name in e.args_json()? {
        let name = name.as_str().ok_or("names: the arguments are strings")?;
        out.push(json!([
            wasmio::js_length(name),
            wasmio::valid_name(name, 4)
        ]));
    }
    e.ack(&[Json::from(out)])
}

fn handshake(s: &mut Socket, e: &Event) -> Result<()> {
    let h = s.handshake();
    e.ack(&[json!({
        "headers": h.headers(),
        "userAgent": h.header("User-Agent").unwrap_or(""),
        "multi": h.header("X-Multi").unwrap_or(""),
        "missing": h.header("none").unwrap_or(""),
        "query": h.query(),
        "queryRoom": h.query_param("room").unwrap_or(""),
        "auth": h.auth(),
        "authName": h.auth()["username"].as_str().unwrap_or(""),
        "claims": h.claims(),
        "hasClaims": !h.claims().is_null(),
        "claimsSub": h.claims()["sub"].as_str().unwrap_or(""),
        "address": h.address(),
        "time": h.time_ms(),
    })])
}

/// Tries to reject, disconnects as argument 0 says (close or not), then the
/// other way, and emits the three results.
fn disconnect_socket(s: &mut Socket, e: &Event) -> Result<()> {
    let close = e
        .arg(0)
        .and_then(Json::as_bool)
        .ok_or("disconnect-socket: argument 0 must be a boolean")?;
    let late = s.reject("late", None);
    let first = s.disconnect(close);
    let second = s.disconnect(!close);
    s.emit(
        "disconnect-result",
        &[err_json(&late), err_json(&first), err_json(&second)],
    )
}

/// Runs the key-value operations of argument 1 in the scope named by
/// argument 0 ("namespace" or "socket") and acks one [error, value] pair per
/// operation.
fn kv_script(s: &mut Socket, e: &Event) -> Result<()> {
    let kv = match e.arg(0).and_then(Json::as_str) {
        Some("socket") => s.data(),
        _ => s.namespace().kv(),
    };
    let ops = e
        .arg(1)
        .and_then(Json::as_array)
        .ok_or("kv: argument 1 must be a list of operations")?;
    let results: Vec<Json> = ops.iter().map(|op| kv_op(kv, op)).collect();
    e.ack(&[Json::from(results)])
}

fn kv_op(kv: Kv, op: &Json) -> Json {
    let key = op[1].as_str().unwrap_or("");
    let text = |b: Vec<u8>| Json::from(String::from_utf8_lossy(&b).into_owned());
    match op[0].as_str().unwrap_or("") {
        "get" => result(kv.get(key).and_then(|v| v.ok_or(Error::NotFound)).map(text)),
        "put" => result(kv.put(key, op[2].as_str().unwrap_or(""))),
        "delete" => result(kv.delete(key)),
        "incr" => result(kv.incr(key, op[2].as_i64().unwrap_or(0))),
        "cas" => result(kv.compare_and_swap(key, bytes(&op[2]), bytes(&op[3]))),
        "list" => result(
            kv.list(key, op[2].as_u64().unwrap_or(0) as usize)
                .map(|entries| {
                    entries
                        .into_iter()
                        .map(|(k, v)| Json::Array(vec![text(k), text(v)]))
                        .collect::<Json>()
                }),
        ),
        "putjson" => result(kv.put_json(key, &op[2])),
        "getjson" => result(kv.get_json(key).and_then(|v| v.ok_or(Error::NotFound))),
        other => result::<()>(Err(format!("unknown kv operation {}", other).into())),
    }
}

/// A JSON string's bytes; `None` (compare_and_swap's "absent") for
/// anything else.
fn bytes(v: &Json) -> Option<&[u8]> {
    v.as_str().map(str::as_bytes)
}

/// An operation's [error, value] pair.
fn result<T: Into<Json>>(r: Result<T>) -> Json {
    match r {
        Ok(v) => Json::Array(vec![Json::Null, v.into()]),
        Err(err) => Json::Array(vec![err_name(&err), Json::Null]),
    }
}

fn services(_: &mut Socket, e: &Event) -> Result<()> {
    let (a, b) = (wasmio::random_bytes(32)?, wasmio::random_bytes(32)?);
    log::info("joined room=lobby n=2");
    log::debug("d");
    log::warn("w");
    log::error("e err=\"two words\"");
    log::write(Level::Warn, format!("{}%", 50));
    e.ack(&[json!({
        "now": wasmio::now_ns(),
        "time": e.time_ms(),
        "random": [a.len(), b.len(), a == b, wasmio::random_bytes(0)?.len()],
    })])
}

/// Logs, emits and writes, then fails as argument 0 says: "error" (a
/// handler error), "host" (a host error returned as is) or "panic".
fn fail(s: &mut Socket, e: &Event) -> Result<()> {
    let kind = e.arg(0).and_then(Json::as_str).unwrap_or("");
    log::warn(format!("failing kind={}", kind));
    s.emit("before", ())?;
    s.namespace().kv().put("ghost", "boo")?;
    match kind {
        "panic" => panic!("panic requested"),
        "host" => {
            s.data().put("text", "abc")?;
            s.data().incr("text", 1).map(drop)
        }
        _ => Err("fail requested".into()),
    }
}

/// Emits with acks: a 1025-byte tag (its binary is dropped), then three
/// valid emits, then "emit-ack-errors" with the errors of invalid ones.
fn emit_ack(s: &mut Socket, _: &Event) -> Result<()> {
    let long = "t".repeat(1024);
    let too_long = s.emit_with_ack(
        &format!("{}t", long),
        0,
        "lost",
        [Arg::binary(&b"lost"[..])],
    );
    s.emit_with_ack(
        "t1",
        0,
        "question",
        [Arg::from(json!(1)), Arg::binary(&b"b"[..])],
    )?;
    s.emit_with_ack("", 250, "quick", ())?;
    s.emit_with_ack(&long, 600_000, "max", ())?;
    s.emit(
        "emit-ack-errors",
        &[
            err_json(&too_long),
            err_json(&s.emit_with_ack("x", 600_001, "x", ())),
            err_json(&s.emit_with_ack("x", 0, "", ())),
            err_json(&s.emit_with_ack("x", 0, "connect", ())),
        ],
    )
}

/// Emits argument 0 acks "many" tagged "<argument 1>-<i>" and acks [how
/// many it emitted, the error that stopped it].
fn emit_ack_many(s: &mut Socket, e: &Event) -> Result<()> {
    let n = e
        .arg(0)
        .and_then(Json::as_u64)
        .ok_or("emit-ack-many: argument 0 must be a count")?;
    let prefix = e
        .arg(1)
        .and_then(Json::as_str)
        .ok_or("emit-ack-many: argument 1 must be a string")?;
    for i in 0..n {
        if let Err(err) = s.emit_with_ack(&format!("{}-{}", prefix, i), 0, "many", ()) {
            return e.ack(&[json!([i, err_name(&err)])]);
        }
    }
    e.ack(&[json!([n, null])])
}

/// `$ack`: emits "again" with an ack, then "ack-report" with what it sees;
/// fails when the tag starts with "fail".
fn ack_report(s: &mut Socket, e: &Event) -> Result<()> {
    let error = match e.ack_error() {
        None => Json::Null,
        Some(AckError::Timeout) => Json::from("timeout"),
        Some(AckError::Disconnected) => Json::from("disconnected"),
        Some(other) => Json::from(format!("{:?}", other)),
    };
    let attachments: Vec<Json> = e
        .attachments()?
        .iter()
        .map(|a| Json::from(String::from_utf8_lossy(a).into_owned()))
        .collect();
    let again = s.emit_with_ack("again", 0, "again", ());
    s.emit(
        "ack-report",
        &[json!({
            "name": e.name(),
            "tag": e.ack_tag(),
            "error": error,
            "args": String::from_utf8_lossy(e.args()),
            "attachments": attachments,
            "wantsAck": e.wants_ack(),
            "again": err_json(&again),
        })],
    )?;
    if e.ack_tag().starts_with("fail") {
        return Err("$ack failed on request".into());
    }
    Ok(())
}

/// Handles every other event: acks with the arguments when asked and
/// broadcasts the event with them, byte for byte.
fn relay(s: &mut Socket, e: &Event) -> Result<()> {
    let payload = e.payload()?;
    if e.wants_ack() {
        e.ack(&payload)?;
    }
    s.broadcast().emit(e.name(), &payload)
}
