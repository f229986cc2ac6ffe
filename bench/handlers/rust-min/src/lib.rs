//! The benchmark's hot handlers on the raw ABI v1 (abi/ABI.md), without the
//! SDK: the least guest code that does the work, so that what a run costs
//! is the fresh instance and the host calls.
//!
//! - `echo`: emits "echo" to the sender with the event's arguments;
//! - `pub`: emits "tick" to room "bench" at namespace level (EMIT_NAMESPACE)
//!   with the event's arguments.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[link(wasm_import_module = "wasmio_v1")]
extern "C" {
    fn event_get(field: i32, buf: *mut u8, cap: i32) -> i32;
    fn emit(
        mode: i32,
        to: *const u8,
        to_len: i32,
        except: *const u8,
        except_len: i32,
        event: *const u8,
        event_len: i32,
        args: *const u8,
        args_len: i32,
    ) -> i32;
}

const FIELD_EVENT: i32 = 1;
const FIELD_ARGS: i32 = 4;
const EMIT_SELF: i32 = 0;
const EMIT_NAMESPACE: i32 = 2;
const CAP: usize = 4096;

static mut NAME: [u8; 64] = [0; 64];
static mut ARGS: [u8; CAP] = [0; CAP];

#[no_mangle]
pub extern "C" fn wasmio_abi_version() -> i32 {
    1
}

#[no_mangle]
pub extern "C" fn wasmio_handle() -> i32 {
    unsafe {
        let name_len = event_get(FIELD_EVENT, NAME.as_mut_ptr(), NAME.len() as i32);
        if name_len < 0 || name_len as usize > NAME.len() {
            return 1;
        }
        let n = event_get(FIELD_ARGS, ARGS.as_mut_ptr(), CAP as i32);
        if n < 0 || n as usize > CAP {
            return 1; // larger arguments are not this handler's business
        }
        let rc = match &NAME[..name_len as usize] {
            b"echo" => emit(EMIT_SELF, core::ptr::null(), 0, core::ptr::null(), 0, b"echo".as_ptr(), 4, ARGS.as_ptr(), n),
            b"pub" => emit(EMIT_NAMESPACE, b"bench".as_ptr(), 5, core::ptr::null(), 0, b"tick".as_ptr(), 4, ARGS.as_ptr(), n),
            _ => return 1,
        };
        if rc != 0 {
            return 2;
        }
        0
    }
}
