//! An in-memory stand-in for the host, used by this crate's unit tests on
//! the build machine. It has the signatures of the `wasmio_v1` imports and
//! follows ABI.md closely enough to test the SDK's side of the contract
//! (output-buffer rule, attachment staging, room lists, ack state,
//! key-value encodings).
#![allow(clippy::missing_safety_doc)]

use std::cell::RefCell;
use std::collections::BTreeMap;

use crate::abi::*;
use crate::json::Json;

/// One effect the handler asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum Call {
    Emit {
        mode: i32,
        to: Vec<String>,
        except: Vec<String>,
        event: String,
        args: String,
        attachments: Vec<Vec<u8>>,
    },
    Ack {
        args: String,
        attachments: Vec<Vec<u8>>,
    },
    Join(String),
    Leave(String),
    Disconnect(bool),
    Reject {
        message: String,
        data: Option<String>,
    },
    Log(i32, String),
}

#[derive(Default)]
pub struct Host {
    pub fields: BTreeMap<i32, Vec<u8>>,
    pub attachments: Vec<Vec<u8>>,
    pub staged: Vec<Vec<u8>>,
    pub calls: Vec<Call>,
    pub kv: BTreeMap<(i32, Vec<u8>), Vec<u8>>,
    pub acked: bool,
    /// How many imports were called.
    pub host_calls: usize,
}

thread_local!(static HOST: RefCell<Host> = RefCell::new(Host::default()));

/// Runs `f` on this thread's mock host.
pub fn with<R>(f: impl FnOnce(&mut Host) -> R) -> R {
    HOST.with(|h| f(&mut h.borrow_mut()))
}

/// Starts a new event named `event` on socket "sid" in namespace "/chat",
/// with no arguments.
pub fn reset(event: &str) {
    with(|h| {
        *h = Host::default();
        for (id, value) in [
            (FIELD_EVENT, event),
            (FIELD_NAMESPACE, "/chat"),
            (FIELD_SOCKET_ID, "sid"),
            (FIELD_ARGS, "[]"),
            (FIELD_ROOMS, r#"["sid","lobby"]"#),
            (FIELD_HEADERS, r#"{"user-agent":"test","x-multi":"a, b"}"#),
            (FIELD_QUERY, r#"{"EIO":"4","room":"r1"}"#),
            (FIELD_AUTH, r#"{"username":"ada"}"#),
            (FIELD_CLAIMS, "null"),
            (FIELD_ADDRESS, "192.0.2.7"),
            (FIELD_HANDSHAKE_TIME, "1700000000000"),
            (FIELD_TIME, "1700000000123"),
            (FIELD_ACK, "0"),
            (FIELD_ATTACHMENTS, "0"),
        ] {
            h.fields.insert(id, value.as_bytes().to_vec());
        }
    });
}

/// Sets an event field.
pub fn set(field: i32, value: &str) {
    with(|h| h.fields.insert(field, value.as_bytes().to_vec()));
}

/// Sets the event's arguments and attachments.
pub fn set_args(args: &str, attachments: &[&[u8]]) {
    set(FIELD_ARGS, args);
    set(FIELD_ATTACHMENTS, &attachments.len().to_string());
    with(|h| h.attachments = attachments.iter().map(|a| a.to_vec()).collect());
}

/// The effects recorded so far.
pub fn calls() -> Vec<Call> {
    with(|h| h.calls.clone())
}

unsafe fn bytes<'a>(ptr: *const u8, len: i32) -> &'a [u8] {
    if len <= 0 {
        &[]
    } else {
        std::slice::from_raw_parts(ptr, len as usize)
    }
}

unsafe fn text(ptr: *const u8, len: i32) -> Option<String> {
    String::from_utf8(bytes(ptr, len).to_vec()).ok()
}

unsafe fn out(buf: *mut u8, cap: i32, data: &[u8]) -> i32 {
    let n = data.len().min(cap.max(0) as usize);
    std::ptr::copy_nonoverlapping(data.as_ptr(), buf, n);
    data.len() as i32
}

fn rooms(list: &[u8]) -> Option<Vec<String>> {
    if list.is_empty() {
        return Some(Vec::new());
    }
    list.split(|&b| b == 0)
        .map(|r| {
            if r.is_empty() {
                None
            } else {
                String::from_utf8(r.to_vec()).ok()
            }
        })
        .collect()
}

fn valid_args(args: &[u8]) -> bool {
    args.is_empty() || matches!(Json::parse(args), Ok(Json::Array(_)))
}

fn count<R>(f: impl FnOnce(&mut Host) -> R) -> R {
    with(|h| {
        h.host_calls += 1;
        f(h)
    })
}

pub unsafe fn event_get(field: i32, buf: *mut u8, cap: i32) -> i32 {
    count(|h| match h.fields.get(&field) {
        Some(v) => out(buf, cap, v),
        None => ERR_INVALID,
    })
}

pub unsafe fn attachment_get(index: i32, buf: *mut u8, cap: i32) -> i32 {
    count(|h| match h.attachments.get(index as usize) {
        Some(v) if index >= 0 => out(buf, cap, v),
        _ => ERR_NOT_FOUND,
    })
}

pub unsafe fn attach(ptr: *const u8, len: i32) -> i32 {
    count(|h| {
        h.staged.push(bytes(ptr, len).to_vec());
        h.staged.len() as i32
    })
}

#[allow(clippy::too_many_arguments)]
pub unsafe fn emit(
    mode: i32,
    to: *const u8,
    to_len: i32,
    except: *const u8,
    except_len: i32,
    event: *const u8,
    event_len: i32,
    args: *const u8,
    args_len: i32,
) -> i32 {
    count(|h| {
        let attachments = std::mem::take(&mut h.staged);
        let (to, except) = match (rooms(bytes(to, to_len)), rooms(bytes(except, except_len))) {
            (Some(to), Some(except)) => (to, except),
            _ => return ERR_INVALID,
        };
        let event = match text(event, event_len) {
            Some(e) if !e.is_empty() && e != "connect" && e != "disconnect" => e,
            _ => return ERR_INVALID,
        };
        let args = bytes(args, args_len);
        if !(0..=2).contains(&mode)
            || (mode == EMIT_SELF && !(to.is_empty() && except.is_empty()))
            || !valid_args(args)
        {
            return ERR_INVALID;
        }
        h.calls.push(Call::Emit {
            mode,
            to,
            except,
            event,
            args: String::from_utf8(args.to_vec()).unwrap(),
            attachments,
        });
        0
    })
}

pub unsafe fn ack(args: *const u8, args_len: i32) -> i32 {
    count(|h| {
        let attachments = std::mem::take(&mut h.staged);
        if h.fields.get(&FIELD_ACK).map(|v| &v[..]) != Some(b"1") || h.acked {
            return ERR_STATE;
        }
        let args = bytes(args, args_len);
        if !valid_args(args) {
            return ERR_INVALID;
        }
        h.acked = true;
        h.calls.push(Call::Ack {
            args: String::from_utf8(args.to_vec()).unwrap(),
            attachments,
        });
        0
    })
}

pub unsafe fn join(room: *const u8, len: i32) -> i32 {
    count(|h| match text(room, len) {
        Some(r) if !r.is_empty() => {
            h.calls.push(Call::Join(r));
            0
        }
        _ => ERR_INVALID,
    })
}

pub unsafe fn leave(room: *const u8, len: i32) -> i32 {
    count(|h| match text(room, len) {
        Some(r) if !r.is_empty() => {
            h.calls.push(Call::Leave(r));
            0
        }
        _ => ERR_INVALID,
    })
}

pub unsafe fn disconnect(close: i32) -> i32 {
    count(|h| {
        h.calls.push(Call::Disconnect(close == 1));
        0
    })
}

pub unsafe fn reject(message: *const u8, message_len: i32, data: *const u8, data_len: i32) -> i32 {
    count(|h| {
        if h.fields.get(&FIELD_EVENT).map(|v| &v[..]) != Some(b"$connect") {
            return ERR_STATE;
        }
        let data = bytes(data, data_len);
        if !data.is_empty() && Json::parse(data).is_err() {
            return ERR_INVALID;
        }
        h.calls.push(Call::Reject {
            message: text(message, message_len).unwrap_or_default(),
            data: if data.is_empty() {
                None
            } else {
                Some(String::from_utf8(data.to_vec()).unwrap())
            },
        });
        0
    })
}

pub unsafe fn log(level: i32, ptr: *const u8, len: i32) -> i32 {
    count(|h| {
        h.calls
            .push(Call::Log(level, text(ptr, len).unwrap_or_default()));
        0
    })
}

pub unsafe fn clock_now() -> i64 {
    count(|_| 1_700_000_000_123_456_789)
}

pub unsafe fn random_fill(buf: *mut u8, len: i32) -> i32 {
    count(|_| {
        for i in 0..len.max(0) as usize {
            *buf.add(i) = (i * 7 + 3) as u8;
        }
        0
    })
}

fn kv_key(scope: i32, key: &[u8]) -> Result<(i32, Vec<u8>), i32> {
    if !(0..=1).contains(&scope) || key.is_empty() {
        return Err(ERR_INVALID);
    }
    if key.len() > 1024 {
        return Err(ERR_TOO_LARGE);
    }
    Ok((scope, key.to_vec()))
}

pub unsafe fn kv_get(scope: i32, key: *const u8, key_len: i32, buf: *mut u8, cap: i32) -> i32 {
    count(|h| match kv_key(scope, bytes(key, key_len)) {
        Ok(k) => match h.kv.get(&k) {
            Some(v) => out(buf, cap, v),
            None => ERR_NOT_FOUND,
        },
        Err(code) => code,
    })
}

pub unsafe fn kv_put(
    scope: i32,
    key: *const u8,
    key_len: i32,
    value: *const u8,
    value_len: i32,
) -> i32 {
    count(|h| match kv_key(scope, bytes(key, key_len)) {
        Ok(k) if value_len > 65536 => {
            let _ = k;
            ERR_TOO_LARGE
        }
        Ok(k) => {
            h.kv.insert(k, bytes(value, value_len).to_vec());
            0
        }
        Err(code) => code,
    })
}

pub unsafe fn kv_delete(scope: i32, key: *const u8, key_len: i32) -> i32 {
    count(|h| match kv_key(scope, bytes(key, key_len)) {
        Ok(k) => {
            h.kv.remove(&k);
            0
        }
        Err(code) => code,
    })
}

pub unsafe fn kv_incr(
    scope: i32,
    key: *const u8,
    key_len: i32,
    delta: i64,
    out_ptr: *mut u8,
) -> i32 {
    count(|h| {
        let k = match kv_key(scope, bytes(key, key_len)) {
            Ok(k) => k,
            Err(code) => return code,
        };
        let current = match h.kv.get(&k) {
            None => 0,
            Some(v) => match std::str::from_utf8(v)
                .ok()
                .and_then(|s| s.parse::<i64>().ok())
            {
                Some(n) => n,
                None => return ERR_NOT_INTEGER,
            },
        };
        let next = match current.checked_add(delta) {
            Some(n) => n,
            None => return ERR_OVERFLOW,
        };
        h.kv.insert(k, next.to_string().into_bytes());
        std::ptr::copy_nonoverlapping(next.to_le_bytes().as_ptr(), out_ptr, 8);
        0
    })
}

#[allow(clippy::too_many_arguments)]
pub unsafe fn kv_cas(
    scope: i32,
    key: *const u8,
    key_len: i32,
    old: *const u8,
    old_len: i32,
    new: *const u8,
    new_len: i32,
) -> i32 {
    count(|h| {
        let k = match kv_key(scope, bytes(key, key_len)) {
            Ok(k) => k,
            Err(code) => return code,
        };
        let expected = if old_len == -1 {
            None
        } else {
            Some(bytes(old, old_len))
        };
        if h.kv.get(&k).map(|v| &v[..]) != expected {
            return 0;
        }
        if new_len == -1 {
            h.kv.remove(&k);
        } else {
            h.kv.insert(k, bytes(new, new_len).to_vec());
        }
        1
    })
}

pub unsafe fn kv_list(
    scope: i32,
    prefix: *const u8,
    prefix_len: i32,
    limit: i32,
    buf: *mut u8,
    cap: i32,
) -> i32 {
    count(|h| {
        if !(0..=1).contains(&scope) {
            return ERR_INVALID;
        }
        let prefix = bytes(prefix, prefix_len);
        let limit = if limit <= 0 { 1000 } else { limit as usize };
        let mut enc = Vec::new();
        for ((_, k), v) in
            h.kv.iter()
                .filter(|((s, k), _)| *s == scope && k.starts_with(prefix))
                .take(limit)
        {
            enc.extend_from_slice(&(k.len() as u32).to_le_bytes());
            enc.extend_from_slice(k);
            enc.extend_from_slice(&(v.len() as u32).to_le_bytes());
            enc.extend_from_slice(v);
        }
        out(buf, cap, &enc)
    })
}
