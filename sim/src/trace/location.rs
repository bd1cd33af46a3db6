//! Source locations in records (`at`, `def`, `site`): `file:line:col`,
//! lines and columns counted from 1, or empty when there is none.

/// A parsed location.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Loc<'a> {
    pub file: &'a str,
    pub line: u32,
    pub col: u32,
}

impl Loc<'_> {
    /// `file:line`, the short form names use.
    pub fn short(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// Parses `file:line:col` (the file may itself hold colons); None for
/// anything else, the empty location included.
pub fn parse(s: &str) -> Option<Loc<'_>> {
    // By bytes from the end: the validator parses every location of every
    // record, and `rsplit_once`'s char searcher was most of its cost.
    let b = s.as_bytes();
    let c = b.iter().rposition(|&x| x == b':')?;
    let l = b[..c].iter().rposition(|&x| x == b':')?;
    if l == 0 {
        return None;
    }
    Some(Loc {
        file: &s[..l],
        line: number(&b[l + 1..c])?,
        col: number(&b[c + 1..])?,
    })
}

/// A line or column: decimal digits only, 1 to `u32::MAX`.
fn number(t: &[u8]) -> Option<u32> {
    if t.is_empty() {
        return None;
    }
    let mut n: u32 = 0;
    for &d in t {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u32::from(d - b'0'))?;
    }
    (n > 0).then_some(n)
}

/// `file:line` of a location, or the text itself when it is not one.
pub fn short(s: &str) -> String {
    parse(s).map_or_else(|| s.to_string(), |l| l.short())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(
            parse("race.gene:9:5"),
            Some(Loc {
                file: "race.gene",
                line: 9,
                col: 5
            })
        );
        assert_eq!(
            parse("c:/x/race.gene:9:5").map(|l| l.file),
            Some("c:/x/race.gene")
        );
        for bad in [
            "",
            "race.gene",
            "race.gene:9",
            ":1:2",
            "a:0:1",
            "a:1:x",
            "a:-1:2",
            "a:1:2 ",
            "a:4294967296:1",
            "a:1:",
            "a::1",
            "a:+1:2",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert_eq!(short("race.gene:9:5"), "race.gene:9");
        assert_eq!(parse("a:4294967295:1").map(|l| l.line), Some(u32::MAX));
        assert_eq!(parse("a:007:1").map(|l| l.line), Some(7));
    }
}
