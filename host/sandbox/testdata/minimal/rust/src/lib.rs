//! The smallest wasmio handler Rust makes: the ABI's two exports, doing
//! nothing, so that running it measures the cost of a fresh instance itself.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[no_mangle]
pub extern "C" fn wasmio_abi_version() -> i32 {
    1
}

#[no_mangle]
pub extern "C" fn wasmio_handle() -> i32 {
    0
}
