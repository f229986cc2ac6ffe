//! The key-value store.

use crate::abi;
use crate::error::{Error, Result};
use crate::json::Json;
use crate::sys;

/// Which keys a [`Kv`] handle reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Shared by every socket of the namespace, durable across connections
    /// and restarts (`SCOPE_NAMESPACE`).
    Namespace,
    /// This socket's own data, Socket.IO's `socket.data` (`SCOPE_SOCKET`);
    /// deleted after the socket's `$disconnect` handler has run.
    Socket,
}

impl Scope {
    fn code(self) -> i32 {
        match self {
            Scope::Namespace => abi::SCOPE_NAMESPACE,
            Scope::Socket => abi::SCOPE_SOCKET,
        }
    }
}

/// A handle on one scope of the key-value store: [`Socket::data`](crate::Socket::data)
/// or [`Namespace::kv`](crate::Namespace::kv).
///
/// Keys are 1 to 1024 bytes, values up to the namespace's limit (64 KiB by
/// default); both are byte strings, so `&str`, `String`, `&[u8]` and
/// `Vec<u8>` all work. Reads see committed data and this handler's own
/// writes; writes take effect only if the handler succeeds. When a value
/// this handler read changes before its effects commit, the host runs the
/// handler again, so [`Kv::incr`] and [`Kv::compare_and_swap`] are exact
/// under any concurrency.
///
/// ```no_run
/// # fn f(s: &wasmio::Socket) -> wasmio::Result<()> {
/// let kv = s.namespace().kv();
/// kv.put("motd", "hello")?;
/// let visits = kv.incr("visits", 1)?;
/// let motd = kv.get("motd")?.unwrap_or_default();
/// # let _ = (visits, motd); Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Kv {
    scope: Scope,
}

impl Kv {
    /// A handle on `scope`.
    pub fn new(scope: Scope) -> Kv {
        Kv { scope }
    }

    /// The scope this handle reaches.
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// The value of `key`, or `None` when it is absent.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        sys::kv_get(self.scope.code(), key.as_ref())
    }

    /// The value of `key` as UTF-8 text; `None` when absent,
    /// [`Error::Invalid`] when it is not UTF-8.
    pub fn get_string(&self, key: impl AsRef<[u8]>) -> Result<Option<String>> {
        match self.get(key)? {
            Some(v) => String::from_utf8(v).map(Some).map_err(|_| Error::Invalid),
            None => Ok(None),
        }
    }

    /// The JSON value of `key`, or `None` when it is absent;
    /// [`Error::Json`] when it is not JSON.
    pub fn get_json(&self, key: impl AsRef<[u8]>) -> Result<Option<Json>> {
        match self.get(key)? {
            Some(v) => Ok(Some(Json::parse(&v)?)),
            None => Ok(None),
        }
    }

    /// Sets `key` to `value` encoded as JSON.
    pub fn put_json(&self, key: impl AsRef<[u8]>, value: &Json) -> Result<()> {
        self.put(key, value.to_json())
    }

    /// Sets `key` to `value`.
    pub fn put(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<()> {
        sys::kv_put(self.scope.code(), key.as_ref(), value.as_ref())
    }

    /// Deletes `key` (nothing happens when it is absent).
    pub fn delete(&self, key: impl AsRef<[u8]>) -> Result<()> {
        sys::kv_delete(self.scope.code(), key.as_ref())
    }

    /// Adds `delta` to the decimal integer stored at `key` (absent counts as
    /// 0), stores the result as decimal text and returns it.
    /// [`Error::NotInteger`] when the value is not a decimal integer,
    /// [`Error::Overflow`] when the result does not fit an `i64`.
    pub fn incr(&self, key: impl AsRef<[u8]>, delta: i64) -> Result<i64> {
        sys::kv_incr(self.scope.code(), key.as_ref(), delta)
    }

    /// Sets `key` to `new` (`None` deletes it) if its value is `old` (`None`:
    /// the key must be absent). Returns whether it did.
    pub fn compare_and_swap(
        &self,
        key: impl AsRef<[u8]>,
        old: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool> {
        sys::kv_cas(self.scope.code(), key.as_ref(), old, new)
    }

    /// Up to `limit` entries (`0` means the host's default, 1000) whose keys
    /// start with `prefix`, in key order, as `(key, value)` pairs.
    pub fn list(&self, prefix: impl AsRef<[u8]>, limit: usize) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let limit = i32::try_from(limit).unwrap_or(i32::MAX);
        decode_list(&sys::kv_list(self.scope.code(), prefix.as_ref(), limit)?)
    }
}

/// Decodes `kv_list`'s encoding: for each entry the key's length (u32 LE),
/// the key, the value's length (u32 LE), the value. [`Error::Invalid`] when
/// it is truncated.
pub(crate) fn decode_list(mut data: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    fn take<'a>(data: &mut &'a [u8]) -> Result<&'a [u8]> {
        if data.len() < 4 {
            return Err(Error::Invalid);
        }
        let n = u32::from_le_bytes([data[0], data[1], data[2], data[3]]) as usize;
        let rest = &data[4..];
        if rest.len() < n {
            return Err(Error::Invalid);
        }
        let (item, rest) = rest.split_at(n);
        *data = rest;
        Ok(item)
    }
    let mut entries = Vec::new();
    while !data.is_empty() {
        let key = take(&mut data)?;
        let value = take(&mut data)?;
        entries.push((key.to_vec(), value.to_vec()));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(entries: &[(&[u8], &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (k, v) in entries {
            out.extend_from_slice(&(k.len() as u32).to_le_bytes());
            out.extend_from_slice(k);
            out.extend_from_slice(&(v.len() as u32).to_le_bytes());
            out.extend_from_slice(v);
        }
        out
    }

    #[test]
    fn decodes_lists() {
        assert_eq!(decode_list(&[]).unwrap(), vec![]);
        let big = vec![7u8; 300];
        let data = encode(&[(b"a", b"1"), (b"key\0with nul", b""), (b"b", &big)]);
        assert_eq!(
            decode_list(&data).unwrap(),
            vec![
                (b"a".to_vec(), b"1".to_vec()),
                (b"key\0with nul".to_vec(), vec![]),
                (b"b".to_vec(), big.clone()),
            ]
        );
        // Every truncation is an error, never a panic.
        for cut in 1..data.len() {
            let r = decode_list(&data[..cut]);
            let boundary = [10usize, 10 + 20].contains(&cut);
            assert_eq!(r.is_ok(), boundary, "cut at {}", cut);
        }
        assert_eq!(decode_list(&[255, 255, 255, 255, 0]), Err(Error::Invalid));
    }
}
