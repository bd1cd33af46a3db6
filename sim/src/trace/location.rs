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
    let (rest, col) = s.rsplit_once(':')?;
    let (file, line) = rest.rsplit_once(':')?;
    let number = |t: &str| {
        (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse::<u32>().ok())
            .flatten()
            .filter(|&n| n > 0)
    };
    if file.is_empty() {
        return None;
    }
    Some(Loc {
        file,
        line: number(line)?,
        col: number(col)?,
    })
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
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert_eq!(short("race.gene:9:5"), "race.gene:9");
    }
}
