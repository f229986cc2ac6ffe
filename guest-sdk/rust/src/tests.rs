//! Tests of the SDK against the in-memory mock host (`mock.rs`).

use crate::abi::*;
use crate::mock::{self, Call};
use crate::{json, App, Arg, Error, Event, Json, Kv, Payload, Scope, Socket};

fn run(setup: impl FnOnce(&mut App)) -> i32 {
    crate::__handle(setup)
}

fn emits() -> Vec<Call> {
    mock::calls()
        .into_iter()
        .filter(|c| !matches!(c, Call::Log(..)))
        .collect()
}

fn emit_call(
    mode: i32,
    to: &[&str],
    except: &[&str],
    event: &str,
    args: &str,
    attachments: Vec<Vec<u8>>,
) -> Call {
    Call::Emit {
        mode,
        to: to.iter().map(|s| s.to_string()).collect(),
        except: except.iter().map(|s| s.to_string()).collect(),
        event: event.to_string(),
        args: args.to_string(),
        attachments,
    }
}

#[test]
fn dispatch_by_name_then_default() {
    mock::reset("chat");
    let rc = run(|app| {
        app.on("other", |_, _| Err("wrong handler".into()));
        app.on("chat", |s, _| s.emit("a", ()));
        app.on_default(|_, _| Err("default must not run".into()));
        app.on("chat", |s, e| s.emit("b", &[json!(e.name())]));
    });
    assert_eq!(rc, 0);
    assert_eq!(
        emits(),
        vec![
            emit_call(EMIT_SELF, &[], &[], "a", "[]", vec![]),
            emit_call(EMIT_SELF, &[], &[], "b", r#"["chat"]"#, vec![]),
        ]
    );

    mock::reset("unknown");
    assert_eq!(
        run(|app| {
            app.on("$default", |s, e| s.emit("d", &[json!(e.name())]));
        }),
        0
    );
    assert_eq!(
        emits(),
        vec![emit_call(
            EMIT_SELF,
            &[],
            &[],
            "d",
            r#"["unknown"]"#,
            vec![]
        )]
    );

    // No handler and no default: success without reading anything else.
    mock::reset("unknown");
    assert_eq!(
        run(|app| {
            app.on("chat", |_, _| Err("no".into()));
        }),
        0
    );
    assert_eq!(mock::with(|h| h.host_calls), 1);
}

#[test]
fn errors_fail_the_event_and_are_logged() {
    mock::reset("fail");
    let rc = run(|app| {
        app.on("fail", |s, _| {
            s.emit("before", ())?;
            Err("nope".into())
        });
        app.on("fail", |s, _| s.emit("never", ()));
    });
    assert_eq!(rc, 1);
    let calls = mock::calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(
        calls[1],
        Call::Log(LOG_ERROR, "handler failed: nope".to_string())
    );

    mock::reset("x");
    assert_eq!(
        run(|app| {
            app.on("x", |s, _| s.data().incr("k", 1).map(drop));
            app.on("x", |s, _| {
                s.data().put("k", "abc")?;
                s.data().incr("k", 1).map(drop)
            });
        }),
        ERR_NOT_INTEGER
    );
}

#[test]
fn event_fields() {
    mock::reset("$disconnect");
    mock::set(FIELD_ARGS, r#"["transport close"]"#);
    let rc = run(|app| {
        app.on_disconnect(|s, e| {
            assert!(e.is_disconnect() && !e.is_connect());
            assert_eq!(e.reason(), Some("transport close"));
            assert_eq!(e.namespace(), "/chat");
            assert_eq!(e.time_ms(), 1_700_000_000_123);
            assert!(!e.wants_ack());
            assert_eq!(e.ack(()), Err(Error::State));
            assert_eq!(s.id(), "sid");
            assert_eq!(s.namespace().name(), "/chat");
            let h = s.handshake();
            assert_eq!(h.header("User-Agent"), Some("test"));
            assert_eq!(h.header("x-multi"), Some("a, b"));
            assert_eq!(h.header("missing"), None);
            assert_eq!(h.query_param("room"), Some("r1"));
            assert_eq!(h.auth()["username"].as_str(), Some("ada"));
            assert!(h.claims().is_null());
            assert_eq!(h.address(), "192.0.2.7");
            assert_eq!(h.time_ms(), 1_700_000_000_000);
            assert_eq!(crate::now_ns(), 1_700_000_000_123_456_789);
            assert_eq!(crate::random_bytes(3)?, vec![3, 10, 17]);
            Ok(())
        });
    });
    assert_eq!(rc, 0);
}

#[test]
fn args_and_binary_placeholders() {
    mock::reset("upload");
    mock::set_args(
        r#"["name",{"_placeholder":true,"num":0},{"nested":{"_placeholder":true,"num":1}}]"#,
        &[b"\x00\x01\xff", b""],
    );
    let rc = run(|app| {
        app.on("upload", |_, e| {
            let args = e.args_json()?;
            assert_eq!(args.len(), 3);
            assert_eq!(e.arg(0).and_then(Json::as_str), Some("name"));
            assert_eq!(e.attachment_count(), 2);
            assert_eq!(e.binary_arg(1), Some(vec![0, 1, 255]));
            assert_eq!(e.binary_arg(0), None);
            assert_eq!(e.binary(&args[2]["nested"]), Some(vec![]));
            assert_eq!(e.attachment(2), None);
            assert_eq!(e.attachments()?, vec![vec![0, 1, 255], vec![]]);
            assert_eq!(e.arg(3), None);
            Ok(())
        });
    });
    assert_eq!(rc, 0);

    mock::reset("bad");
    mock::set(FIELD_ARGS, r#"{"not":"an array"}"#);
    assert_eq!(
        run(|app| {
            app.on("bad", |_, e| {
                assert_eq!(e.arg(0), None);
                e.args_json().map(drop)
            });
        }),
        ERR_INVALID
    );
}

#[test]
fn byte_exact_echo_with_ack() {
    let raw = r#"[ {"b":1, "a":1.50e3}, {"_placeholder":true,"num":0}, "\u00e9" ]"#;
    mock::reset("echo");
    mock::set_args(raw, &[&[0xde, 0xad, 0xbe, 0xef]]);
    mock::set(FIELD_ACK, "1");
    let rc = run(|app| {
        app.on_default(|s, e| {
            let p = e.payload()?;
            if e.wants_ack() {
                e.ack(&p)?;
            }
            assert_eq!(
                e.ack(&p),
                Err(Error::State),
                "second ack is refused locally"
            );
            s.emit("echo", &p)
        });
    });
    assert_eq!(rc, 0);
    let att = vec![vec![0xde, 0xad, 0xbe, 0xef]];
    assert_eq!(
        emits(),
        vec![
            Call::Ack {
                args: raw.to_string(),
                attachments: att.clone()
            },
            emit_call(EMIT_SELF, &[], &[], "echo", raw, att),
        ]
    );
    assert!(mock::with(|h| h.staged.is_empty()));
}

#[test]
fn binary_args_are_staged_in_order() {
    mock::reset("x");
    let rc = run(|app| {
        app.on("x", |s, _| {
            s.emit(
                "bin",
                [
                    Arg::binary(vec![1]),
                    Arg::from(json!({"k": 2})),
                    Arg::from(&b"two"[..]),
                ],
            )?;
            let p = Payload::new(
                &[json!({"file": Json::placeholder(0)})],
                vec![b"f".to_vec()],
            );
            s.broadcast().emit("nested", &p)?;
            s.emit("plain", &[json!(1)])
        });
    });
    assert_eq!(rc, 0);
    assert_eq!(
        emits(),
        vec![
            emit_call(
                EMIT_SELF,
                &[],
                &[],
                "bin",
                r#"[{"_placeholder":true,"num":0},{"k":2},{"_placeholder":true,"num":1}]"#,
                vec![vec![1], b"two".to_vec()]
            ),
            emit_call(
                EMIT_BROADCAST,
                &[],
                &[],
                "nested",
                r#"[{"file":{"_placeholder":true,"num":0}}]"#,
                vec![b"f".to_vec()]
            ),
            emit_call(EMIT_SELF, &[], &[], "plain", "[1]", vec![]),
        ]
    );
}

#[test]
fn leftover_attachments_are_detected() {
    mock::reset("x");
    let rc = run(|app| {
        app.on("x", |s, _| {
            // A host that kept attachments of a failed call: placeholders
            // would be off, so the SDK refuses.
            mock::with(|h| h.staged.push(vec![9]));
            s.emit("bin", [Arg::binary(vec![1])])
        });
    });
    assert_eq!(rc, ERR_STATE);
}

#[test]
fn operators_and_rooms() {
    mock::reset("$connect");
    let rc = run(|app| {
        app.on_connect(|s, _| {
            assert_eq!(s.rooms(), ["sid", "lobby"]);
            s.join("a")?;
            s.join("a")?;
            s.leave("lobby")?;
            s.leave("sid")?;
            assert_eq!(s.rooms(), ["sid", "a"]);
            assert!(s.in_room("a") && !s.in_room("lobby"));
            s.to("a").to("b").except("c").emit("e1", ())?;
            s.except("c").emit("e2", ())?;
            s.broadcast().emit("e3", ())?;
            let ns = s.namespace();
            ns.emit("e4", ())?;
            ns.to("a").except("b").emit("e5", ())?;
            ns.except("z").emit("e6", ())?;
            assert_eq!(s.to("").emit("x", ()), Err(Error::Invalid));
            assert_eq!(s.to("a\0b").emit("x", ()), Err(Error::Invalid));
            assert_eq!(s.emit("", ()), Err(Error::Invalid));
            assert_eq!(s.emit("disconnect", ()), Err(Error::Invalid));
            assert_eq!(s.join(""), Err(Error::Invalid));
            s.disconnect(true)?;
            s.reject("go away", Some(json!({"code": 4})))?;
            s.reject("plain", None)
        });
    });
    assert_eq!(rc, 0);
    assert_eq!(
        emits(),
        vec![
            Call::Join("a".into()),
            Call::Join("a".into()),
            Call::Leave("lobby".into()),
            Call::Leave("sid".into()),
            emit_call(EMIT_BROADCAST, &["a", "b"], &["c"], "e1", "[]", vec![]),
            emit_call(EMIT_BROADCAST, &[], &["c"], "e2", "[]", vec![]),
            emit_call(EMIT_BROADCAST, &[], &[], "e3", "[]", vec![]),
            emit_call(EMIT_NAMESPACE, &[], &[], "e4", "[]", vec![]),
            emit_call(EMIT_NAMESPACE, &["a"], &["b"], "e5", "[]", vec![]),
            emit_call(EMIT_NAMESPACE, &[], &["z"], "e6", "[]", vec![]),
            Call::Disconnect(true),
            Call::Reject {
                message: "go away".into(),
                data: Some(r#"{"code":4}"#.into())
            },
            Call::Reject {
                message: "plain".into(),
                data: None
            },
        ]
    );

    mock::reset("chat");
    assert_eq!(
        run(|app| {
            app.on("chat", |s, _| s.reject("no", None));
        }),
        ERR_STATE
    );

    // Joins and leaves before the room list is read are applied to it.
    mock::reset("x");
    assert_eq!(
        run(|app| {
            app.on("x", |s, _| {
                s.join("b")?;
                s.leave("lobby")?;
                s.leave("sid")?;
                s.join("c")?;
                s.leave("b")?;
                assert_eq!(s.rooms(), ["sid", "c"]);
                Ok(())
            });
        }),
        0
    );
}

#[test]
fn key_value_store() {
    mock::reset("kv");
    let rc = run(|app| {
        app.on("kv", |s, _| {
            let ns = s.namespace().kv();
            let data = s.data();
            assert_eq!(ns.scope(), Scope::Namespace);
            assert_eq!(data.scope(), Scope::Socket);
            assert_eq!(ns.get("missing")?, None);
            ns.put("name", "ada")?;
            data.put("name", b"socket")?;
            assert_eq!(ns.get_string("name")?, Some("ada".to_string()));
            assert_eq!(data.get("name")?, Some(b"socket".to_vec()));
            let big = vec![b'x'; 5000];
            ns.put("big", &big)?;
            assert_eq!(ns.get("big")?, Some(big.clone()));
            assert_eq!(ns.incr("n", 5)?, 5);
            assert_eq!(ns.incr("n", -7)?, -2);
            ns.put("max", i64::MAX.to_string())?;
            assert_eq!(ns.incr("max", 1), Err(Error::Overflow));
            assert_eq!(ns.incr("name", 1), Err(Error::NotInteger));
            assert!(ns.compare_and_swap("c", None, Some(b"1"))?);
            assert!(!ns.compare_and_swap("c", None, Some(b"2"))?);
            assert!(ns.compare_and_swap("c", Some(b"1"), Some(b"2"))?);
            assert!(ns.compare_and_swap("c", Some(b"2"), None)?);
            assert_eq!(ns.get("c")?, None);
            ns.put("list/a", "1")?;
            ns.put("list/b", &big)?;
            ns.put("list/c", "3")?;
            let all = ns.list("list/", 0)?;
            assert_eq!(
                all,
                vec![
                    (b"list/a".to_vec(), b"1".to_vec()),
                    (b"list/b".to_vec(), big.clone()),
                    (b"list/c".to_vec(), b"3".to_vec()),
                ]
            );
            assert_eq!(ns.list("list/", 1)?.len(), 1);
            assert_eq!(data.list("list/", 0)?, vec![]);
            ns.delete("list/a")?;
            ns.delete("list/a")?;
            assert_eq!(ns.list("list/", 0)?.len(), 2);
            assert_eq!(ns.put("", "x"), Err(Error::Invalid));
            assert_eq!(Kv::new(Scope::Socket), data);
            Ok(())
        });
    });
    assert_eq!(rc, 0);
}

#[test]
fn output_rule_recalls_with_the_returned_size() {
    mock::reset("a-rather-long-event-name-that-does-not-fit-in-sixty-four-bytes-at-all");
    let long_args = format!("[\"{}\"]", "y".repeat(2000));
    mock::set(FIELD_ARGS, &long_args);
    let expected = long_args.clone();
    let rc = run(|app| {
        app.on_default(move |_, e: &Event| {
            assert!(e.name().starts_with("a-rather-long"));
            assert_eq!(e.args(), expected.as_bytes());
            Ok(())
        });
    });
    assert_eq!(rc, 0);
    // Two calls for the name (64-byte guess), two for the args (512).
    assert_eq!(mock::with(|h| h.host_calls), 4);
}

#[test]
fn handler_can_be_a_plain_fn() {
    fn on_message(s: &mut Socket, e: &Event) -> crate::Result<()> {
        let text = e.arg(0).and_then(Json::as_str).ok_or("need text")?;
        s.to("lobby")
            .emit("message", &[json!({"text": text, "from": s.id()})])
    }
    mock::reset("message");
    mock::set(FIELD_ARGS, r#"["hi"]"#);
    assert_eq!(
        run(|app| {
            app.on("message", on_message);
        }),
        0
    );
    assert_eq!(
        emits(),
        vec![emit_call(
            EMIT_BROADCAST,
            &["lobby"],
            &[],
            "message",
            r#"[{"text":"hi","from":"sid"}]"#,
            vec![]
        )]
    );
    mock::reset("message");
    mock::set(FIELD_ARGS, "[1]");
    assert_eq!(
        run(|app| {
            app.on("message", on_message);
        }),
        1
    );
}

#[test]
fn example_from_the_brief_compiles_and_runs() {
    fn setup(app: &mut App) {
        app.on(
            "$connect",
            |s: &mut Socket, _e: &Event| -> crate::Result<()> {
                let name = s
                    .handshake()
                    .auth()
                    .get("username")
                    .and_then(|v| v.as_str())
                    .unwrap_or("Anonymous")
                    .to_string();
                s.data().put("username", name.as_bytes())?;
                s.join("lobby")?;
                s.emit("welcome", &[json!({"id": s.id()})])?;
                s.to("lobby")
                    .emit("userJoined", &[Json::from(name.as_str())])?;
                Ok(())
            },
        );
        app.on_default(|s, e| s.emit("echo", e.payload()?));
    }
    mock::reset("$connect");
    assert_eq!(run(setup), 0);
    assert_eq!(
        emits(),
        vec![
            Call::Join("lobby".into()),
            emit_call(EMIT_SELF, &[], &[], "welcome", r#"[{"id":"sid"}]"#, vec![]),
            emit_call(
                EMIT_BROADCAST,
                &["lobby"],
                &[],
                "userJoined",
                r#"["ada"]"#,
                vec![]
            ),
        ]
    );
    assert_eq!(
        mock::with(|h| h.kv.get(&(SCOPE_SOCKET, b"username".to_vec())).cloned()),
        Some(b"ada".to_vec())
    );
}
