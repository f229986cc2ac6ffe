//! wasmio presence example: who is online, right when a user has several
//! sockets (tabs, devices) and after a restart or a crash of the host.
//! `../README.md` documents the protocol and the design; `../go` is the
//! same handler in Go.
//!
//! Each connected socket has an entry in the namespace's key-value store,
//! `presence/<len(userId)>:<userId>/<socketId>`, whose value is when its
//! lease ends (Unix milliseconds). `$connect` writes it, `heartbeat` renews
//! it, `$disconnect` deletes it. A user is online while one of their entries
//! has a lease that has not ended. The host re-runs a handler whose reads
//! went stale, listings included, so "was this the first socket / the last
//! one" is decided exactly even when a user's sockets come and go at once.
//! After a crash no `$disconnect` runs, and the leases of the dead sockets
//! end on their own.

use std::collections::BTreeMap;

use wasmio::{json, valid_name, App, Event, Json, Kv, Result, Socket};

const LEASE_MS: i64 = 60_000; // how long an entry lives unless heartbeat renews it
const PREFIX: &str = "presence/";
const MAX_NAME: usize = 128; // characters of a user id, as JavaScript counts them
const MAX_LISTED: usize = 10_000; // socket entries who reads

fn setup(app: &mut App) {
    app.on_connect(connect)
        .on("heartbeat", heartbeat)
        .on("who", who)
        .on_disconnect(disconnect);
}

wasmio::export!(setup);

fn connect(s: &mut Socket, e: &Event) -> Result<()> {
    let user = match user_id(s) {
        Some(user) => user,
        None => {
            return s.reject(
                "auth.userId is required: a string of 1 to 128 characters",
                None,
            )
        }
    };
    s.join("online")?;
    renew(s, e, &user)
}

fn heartbeat(s: &mut Socket, e: &Event) -> Result<()> {
    let user = user_id(s).unwrap_or_default(); // $connect accepted it
    renew(s, e, &user)?;
    e.ack(&[json!({"ok": true, "leaseMs": LEASE_MS})])
}

/// Writes the socket's entry with a fresh lease, and announces the user
/// online when none of their sockets was.
fn renew(s: &Socket, e: &Event, user: &str) -> Result<()> {
    let kv = s.namespace().kv();
    let now = e.time_ms();
    let (others, own_live) = sweep(&kv, user, s.id(), now)?;
    let mut key = user_prefix(user);
    key.push_str(s.id());
    kv.put(key, (now + LEASE_MS).to_string())?;
    if others == 0 && !own_live {
        status(s, user, true)?;
    }
    Ok(())
}

fn disconnect(s: &mut Socket, e: &Event) -> Result<()> {
    let user = user_id(s).unwrap_or_default();
    let kv = s.namespace().kv();
    let (others, _) = sweep(&kv, &user, s.id(), e.time_ms())?;
    let mut key = user_prefix(&user);
    key.push_str(s.id());
    kv.delete(key)?;
    if others == 0 {
        status(s, &user, false)?;
    }
    Ok(())
}

fn status(s: &Socket, user: &str, online: bool) -> Result<()> {
    s.namespace()
        .emit("status", &[json!({"userId": user, "online": online})])
}

/// Lists the user's entries, deletes those whose lease ended, and counts
/// the live ones: those of other sockets, and whether the socket's own is
/// live.
fn sweep(kv: &Kv, user: &str, sid: &str, now: i64) -> Result<(usize, bool)> {
    let prefix = user_prefix(user);
    let (mut others, mut own_live) = (0, false);
    for (key, lease) in kv.list(&prefix, MAX_LISTED)? {
        if ended(&lease, now) {
            kv.delete(&key)?;
        } else if key[prefix.len()..] == *sid.as_bytes() {
            own_live = true;
        } else {
            others += 1;
        }
    }
    Ok((others, own_live))
}

/// Acks the online users and how many live sockets each has, sorted by user
/// id. It also deletes the entries whose lease ended.
fn who(s: &mut Socket, e: &Event) -> Result<()> {
    let kv = s.namespace().kv();
    let now = e.time_ms();
    let mut sockets: BTreeMap<String, u32> = BTreeMap::new();
    for (key, lease) in kv.list(PREFIX, MAX_LISTED)? {
        let user = match user_of(&key) {
            Some(user) => user,
            None => continue,
        };
        if ended(&lease, now) {
            kv.delete(&key)?;
        } else {
            *sockets.entry(user).or_insert(0) += 1;
        }
    }
    let users: Json = sockets
        .into_iter()
        .map(|(user, n)| json!({"userId": user, "sockets": n}))
        .collect();
    e.ack(&[json!({"ok": true, "users": users})])
}

/// The key prefix of a user's entries. The id's length makes it
/// unambiguous: the prefix of "ann" is not a prefix of "ann/x"'s entries.
fn user_prefix(user: &str) -> String {
    let mut prefix = String::from(PREFIX);
    prefix.push_str(&user.len().to_string());
    prefix.push(':');
    prefix.push_str(user);
    prefix.push('/');
    prefix
}

/// The user id of an entry's key.
fn user_of(key: &[u8]) -> Option<String> {
    let rest = key.strip_prefix(PREFIX.as_bytes())?;
    let colon = rest.iter().position(|&b| b == b':')?;
    let size: usize = std::str::from_utf8(&rest[..colon]).ok()?.parse().ok()?;
    let user = rest.get(colon + 1..colon + 1 + size)?;
    String::from_utf8(user.to_vec()).ok()
}

/// Whether an entry's lease ended by `now`.
fn ended(lease: &[u8], now: i64) -> bool {
    match std::str::from_utf8(lease)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
    {
        Some(end) => end <= now,
        None => true,
    }
}

/// The socket's auth.userId: 1 to 128 characters without control
/// characters (`valid_name`). The handshake comes with every event, so the id needs no
/// storing.
fn user_id(s: &Socket) -> Option<String> {
    let id = s.handshake().auth()["userId"].as_str()?;
    Some(id.to_string()).filter(|id| valid_name(id, MAX_NAME))
}
