//! Routing events to the recording of the current thread.
//!
//! `tracing` caches each callsite's interest and a maximum level globally,
//! across threads. With a thread-scoped subscriber per run, a subscriber
//! coming or going on one thread can make another thread's events vanish,
//! and two runs of the same program would record different traces. So one
//! process-wide subscriber, installed once, carries a layer that sends each
//! `gene::*` event to the sink of the thread it happens on. Being the only
//! subscriber, its interest in a callsite is the same on every thread:
//! always for `gene::*`, never for the rest.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::OnceLock;

use tracing::level_filters::LevelFilter;
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use super::record::Sink;

thread_local! {
    static CURRENT: RefCell<Option<Rc<dyn Sink>>> = const { RefCell::new(None) };
}

/// The layer of the process-wide subscriber.
struct Router;

impl<S: Subscriber> Layer<S> for Router {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if metadata.target().starts_with("gene::") {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        metadata.target().starts_with("gene::")
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        CURRENT.with(|c| {
            if let Some(sink) = &*c.borrow() {
                sink.event(event);
            }
        });
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::TRACE)
    }
}

/// Whether our subscriber is the process's global one.
fn installed() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Router)).is_ok()
    })
}

/// Runs `f` with this thread's `gene::*` events going to `sink`.
pub fn with_sink<T>(sink: Rc<dyn Sink>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Rc<dyn Sink>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = previous);
        }
    }
    let _restore = Restore(CURRENT.with(|c| c.borrow_mut().replace(sink)));
    if installed() {
        f()
    } else {
        // Another global subscriber owns the process: scope ours to this
        // thread (racy across threads, as explained above, but it records).
        tracing::subscriber::with_default(tracing_subscriber::registry().with(Router), f)
    }
}
