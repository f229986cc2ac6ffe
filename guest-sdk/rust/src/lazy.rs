//! A value computed on first use, for event fields read from the host only
//! when a handler asks for them (a minimal single-threaded `OnceCell`; the
//! standard one needs Rust 1.70).

use core::cell::UnsafeCell;

pub(crate) struct Lazy<T> {
    slot: UnsafeCell<Option<T>>,
}

impl<T> Lazy<T> {
    pub(crate) const fn new() -> Lazy<T> {
        Lazy {
            slot: UnsafeCell::new(None),
        }
    }

    /// The value, computing it with `init` the first time.
    pub(crate) fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        // SAFETY: `UnsafeCell` makes `Lazy` !Sync, so only this thread can
        // reach the slot. Shared references into the slot are handed out
        // only once it is `Some`, and it is written only while it is `None`
        // (an `init` that re-entered and filled it wins, and the value
        // computed here is dropped), so no reference is ever invalidated.
        unsafe {
            if let Some(value) = &*self.slot.get() {
                return value;
            }
            let value = init();
            if (*self.slot.get()).is_none() {
                *self.slot.get() = Some(value);
            }
            match &*self.slot.get() {
                Some(value) => value,
                None => unreachable!(),
            }
        }
    }

    /// The value, mutably, if it has been computed.
    pub(crate) fn get_mut(&mut self) -> Option<&mut T> {
        self.slot.get_mut().as_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::Lazy;
    use std::cell::Cell;

    #[test]
    fn computes_once() {
        let calls = Cell::new(0);
        let mut lazy = Lazy::new();
        let a = *lazy.get_or_init(|| {
            calls.set(calls.get() + 1);
            7
        });
        let b = *lazy.get_or_init(|| unreachable!());
        assert_eq!((a, b, calls.get()), (7, 7, 1));
        *lazy.get_mut().unwrap() += 1;
        assert_eq!(*lazy.get_or_init(|| 0), 8);
        let mut fresh: Lazy<Vec<i32>> = Lazy::new();
        assert!(fresh.get_mut().is_none());
        fresh.get_or_init(|| vec![1]);
        fresh.get_mut().unwrap().push(2);
        assert_eq!(fresh.get_or_init(Vec::new), &[1, 2]);
    }
}
