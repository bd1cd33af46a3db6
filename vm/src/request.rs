//! Operations the VM asks its driver to perform (DESIGN.md, "The VM is
//! sans-IO"): the VM never sleeps, reads or writes; it is told the results.

/// An operation's identity: a counter, stable across runs.
pub type OpId = u64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// A timer: complete after this many nanoseconds of (virtual) time.
    Sleep {
        nanos: u64,
    },
    Read {
        path: String,
    },
    Write {
        path: String,
        data: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub id: OpId,
    pub kind: RequestKind,
    /// The task that started it waits and nothing else runs meanwhile
    /// (`gene/sleep`, `gene/io/read`): complete it at once, advancing the
    /// clock by its cost.
    pub blocking: bool,
}

/// What an operation produced: a value (nil for sleeps and writes, the text
/// for reads), or the failure message.
pub type Completion = Result<crate::value::Value, String>;

/// The operations started and not yet completed, by id. Ids are sequential,
/// so a window from the oldest outstanding id is an O(1) table.
#[derive(Debug)]
pub(crate) struct Outstanding<T> {
    /// The id of `slots[0]`.
    first: OpId,
    slots: std::collections::VecDeque<Option<T>>,
    count: usize,
}

impl<T> Default for Outstanding<T> {
    fn default() -> Self {
        Outstanding {
            first: 0,
            slots: std::collections::VecDeque::new(),
            count: 0,
        }
    }
}

impl<T> Outstanding<T> {
    /// Records operation `id`, which must be the newest one started.
    pub fn insert(&mut self, id: OpId, target: T) {
        if self.slots.is_empty() {
            self.first = id;
        }
        let at = (id - self.first) as usize;
        self.slots.resize_with(at, || None);
        self.slots.push_back(Some(target));
        self.count += 1;
    }

    pub fn remove(&mut self, id: OpId) -> Option<T> {
        let at = id.checked_sub(self.first)? as usize;
        let target = self.slots.get_mut(at)?.take()?;
        self.count -= 1;
        while matches!(self.slots.front(), Some(None)) {
            self.slots.pop_front();
            self.first += 1;
        }
        Some(target)
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn clear(&mut self) {
        self.slots.clear();
        self.count = 0;
    }
}
