//! Safe wrappers around the ABI imports. This is the only module that calls
//! them.
//!
//! On `wasm32` the imports are the `wasmio_v1` functions of [`crate::abi`].
//! Elsewhere there is no host: a non-wasm build (`cargo check`, `cargo doc`,
//! `cargo test` of pure logic, a handler crate compiled for the build
//! machine) gets functions that panic when called, so nothing tries to link
//! against `wasmio_v1`.

use crate::error::{check, Error, Result};

#[cfg(not(target_arch = "wasm32"))]
use self::unavailable as raw;
#[cfg(target_arch = "wasm32")]
use crate::abi as raw;

/// Guess for event fields that are usually short (names, ids, numbers).
const SMALL: usize = 64;
/// Guess for fields and values that may be longer (JSON, key-value data).
const LARGE: usize = 512;

/// Implements the ABI's output rule: calls `call(buf, cap)` with a buffer of
/// `guess` bytes; when the returned size is larger, calls again with a
/// buffer of that size (again while the data keeps growing between calls).
pub(crate) fn read_out(guess: usize, mut call: impl FnMut(*mut u8, i32) -> i32) -> Result<Vec<u8>> {
    let mut buf: Vec<u8> = Vec::with_capacity(guess);
    for _ in 0..8 {
        let cap = buf.capacity();
        let size = check(call(buf.as_mut_ptr(), cap as i32))? as usize;
        if size <= cap {
            // SAFETY: the host wrote `size` bytes into the buffer.
            unsafe { buf.set_len(size) };
            return Ok(buf);
        }
        buf = Vec::with_capacity(size);
    }
    // The size kept changing: a broken host.
    Err(Error::TooLarge)
}

fn len(bytes: &[u8]) -> i32 {
    bytes.len() as i32
}

/// Reads an event field.
pub(crate) fn field(id: i32) -> Result<Vec<u8>> {
    let guess = match id {
        crate::abi::FIELD_ARGS
        | crate::abi::FIELD_ROOMS
        | crate::abi::FIELD_HEADERS
        | crate::abi::FIELD_QUERY
        | crate::abi::FIELD_AUTH
        | crate::abi::FIELD_CLAIMS => LARGE,
        _ => SMALL,
    };
    read_out(guess, |buf, cap| unsafe { raw::event_get(id, buf, cap) })
}

/// Reads an event field as UTF-8 text.
pub(crate) fn field_string(id: i32) -> Result<String> {
    String::from_utf8(field(id)?).map_err(|_| Error::Invalid)
}

/// Reads an event field holding a decimal integer.
pub(crate) fn field_i64(id: i32) -> Result<i64> {
    field_string(id)?.parse().map_err(|_| Error::Invalid)
}

/// Reads binary attachment `index` of the event.
pub(crate) fn attachment(index: usize) -> Result<Vec<u8>> {
    let index = i32::try_from(index).map_err(|_| Error::NotFound)?;
    read_out(LARGE, |buf, cap| unsafe {
        raw::attachment_get(index, buf, cap)
    })
}

/// Stages an attachment for the next emit or ack; returns how many are
/// staged.
pub(crate) fn attach(bytes: &[u8]) -> Result<usize> {
    Ok(check(unsafe { raw::attach(bytes.as_ptr(), len(bytes)) })? as usize)
}

pub(crate) fn emit(mode: i32, to: &[u8], except: &[u8], event: &str, args: &[u8]) -> Result<()> {
    check(unsafe {
        raw::emit(
            mode,
            to.as_ptr(),
            len(to),
            except.as_ptr(),
            len(except),
            event.as_ptr(),
            len(event.as_bytes()),
            args.as_ptr(),
            len(args),
        )
    })
    .map(drop)
}

pub(crate) fn emit_ack(tag: &str, timeout_ms: i32, event: &str, args: &[u8]) -> Result<()> {
    check(unsafe {
        raw::emit_ack(
            tag.as_ptr(),
            len(tag.as_bytes()),
            timeout_ms,
            event.as_ptr(),
            len(event.as_bytes()),
            args.as_ptr(),
            len(args),
        )
    })
    .map(drop)
}

pub(crate) fn ack(args: &[u8]) -> Result<()> {
    check(unsafe { raw::ack(args.as_ptr(), len(args)) }).map(drop)
}

pub(crate) fn join(room: &str) -> Result<()> {
    check(unsafe { raw::join(room.as_ptr(), len(room.as_bytes())) }).map(drop)
}

pub(crate) fn leave(room: &str) -> Result<()> {
    check(unsafe { raw::leave(room.as_ptr(), len(room.as_bytes())) }).map(drop)
}

pub(crate) fn disconnect(close: bool) -> Result<()> {
    check(unsafe { raw::disconnect(i32::from(close)) }).map(drop)
}

pub(crate) fn reject(message: &str, data: &[u8]) -> Result<()> {
    check(unsafe {
        raw::reject(
            message.as_ptr(),
            len(message.as_bytes()),
            data.as_ptr(),
            len(data),
        )
    })
    .map(drop)
}

pub(crate) fn log(level: i32, message: &str) {
    // Logging cannot usefully fail: the result is ignored.
    unsafe { raw::log(level, message.as_ptr(), len(message.as_bytes())) };
}

pub(crate) fn clock_now() -> i64 {
    unsafe { raw::clock_now() }
}

pub(crate) fn random_fill(buf: &mut [u8]) -> Result<()> {
    check(unsafe { raw::random_fill(buf.as_mut_ptr(), buf.len() as i32) }).map(drop)
}

pub(crate) fn kv_get(scope: i32, key: &[u8]) -> Result<Option<Vec<u8>>> {
    match read_out(LARGE, |buf, cap| unsafe {
        raw::kv_get(scope, key.as_ptr(), len(key), buf, cap)
    }) {
        Ok(value) => Ok(Some(value)),
        Err(Error::NotFound) => Ok(None),
        Err(err) => Err(err),
    }
}

pub(crate) fn kv_put(scope: i32, key: &[u8], value: &[u8]) -> Result<()> {
    check(unsafe { raw::kv_put(scope, key.as_ptr(), len(key), value.as_ptr(), len(value)) })
        .map(drop)
}

pub(crate) fn kv_delete(scope: i32, key: &[u8]) -> Result<()> {
    check(unsafe { raw::kv_delete(scope, key.as_ptr(), len(key)) }).map(drop)
}

pub(crate) fn kv_incr(scope: i32, key: &[u8], delta: i64) -> Result<i64> {
    let mut out = [0u8; 8];
    check(unsafe { raw::kv_incr(scope, key.as_ptr(), len(key), delta, out.as_mut_ptr()) })?;
    Ok(i64::from_le_bytes(out))
}

pub(crate) fn kv_cas(
    scope: i32,
    key: &[u8],
    old: Option<&[u8]>,
    new: Option<&[u8]>,
) -> Result<bool> {
    // A length of -1 means "absent"; the pointer is then not read.
    let (old_ptr, old_len) = old.map_or((core::ptr::null(), -1), |v| (v.as_ptr(), len(v)));
    let (new_ptr, new_len) = new.map_or((core::ptr::null(), -1), |v| (v.as_ptr(), len(v)));
    let rc = check(unsafe {
        raw::kv_cas(
            scope,
            key.as_ptr(),
            len(key),
            old_ptr,
            old_len,
            new_ptr,
            new_len,
        )
    })?;
    Ok(rc == 1)
}

pub(crate) fn kv_list(scope: i32, prefix: &[u8], limit: i32) -> Result<Vec<u8>> {
    read_out(LARGE, |buf, cap| unsafe {
        raw::kv_list(scope, prefix.as_ptr(), len(prefix), limit, buf, cap)
    })
}

#[cfg(not(target_arch = "wasm32"))]
mod unavailable {
    //! Stand-ins for the imports outside wasm32: they panic.
    #![allow(clippy::missing_safety_doc)]

    #[cold]
    fn unavailable() -> ! {
        panic!("wasmio: this handler runs as WebAssembly under wasmio; test it with github.com/wasmio/wasmio/wasmiotest")
    }

    macro_rules! stubs {
        ($(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {$(
            #[allow(clippy::too_many_arguments)]
            pub(crate) unsafe fn $name($($arg: $ty),*) -> $ret {
                let _ = ($($arg,)*);
                unavailable()
            }
        )*};
    }

    stubs! {
        fn event_get(field: i32, buf: *mut u8, cap: i32) -> i32;
        fn attachment_get(index: i32, buf: *mut u8, cap: i32) -> i32;
        fn attach(ptr: *const u8, len: i32) -> i32;
        fn emit(mode: i32, to: *const u8, to_len: i32, except: *const u8, except_len: i32, event: *const u8, event_len: i32, args: *const u8, args_len: i32) -> i32;
        fn emit_ack(tag: *const u8, tag_len: i32, timeout_ms: i32, event: *const u8, event_len: i32, args: *const u8, args_len: i32) -> i32;
        fn ack(args: *const u8, args_len: i32) -> i32;
        fn join(room: *const u8, len: i32) -> i32;
        fn leave(room: *const u8, len: i32) -> i32;
        fn disconnect(close: i32) -> i32;
        fn reject(message: *const u8, message_len: i32, data: *const u8, data_len: i32) -> i32;
        fn log(level: i32, ptr: *const u8, len: i32) -> i32;
        fn clock_now() -> i64;
        fn random_fill(buf: *mut u8, len: i32) -> i32;
        fn kv_get(scope: i32, key: *const u8, key_len: i32, buf: *mut u8, cap: i32) -> i32;
        fn kv_put(scope: i32, key: *const u8, key_len: i32, value: *const u8, value_len: i32) -> i32;
        fn kv_delete(scope: i32, key: *const u8, key_len: i32) -> i32;
        fn kv_incr(scope: i32, key: *const u8, key_len: i32, delta: i64, out: *mut u8) -> i32;
        fn kv_cas(scope: i32, key: *const u8, key_len: i32, old: *const u8, old_len: i32, new: *const u8, new_len: i32) -> i32;
        fn kv_list(scope: i32, prefix: *const u8, prefix_len: i32, limit: i32, buf: *mut u8, cap: i32) -> i32;
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    /// A handler run natively fails at its first host call, saying how to
    /// test it instead.
    #[test]
    #[should_panic(
        expected = "wasmio: this handler runs as WebAssembly under wasmio; test it with github.com/wasmio/wasmio/wasmiotest"
    )]
    fn native_builds_have_no_host() {
        crate::now_ns();
    }
}
